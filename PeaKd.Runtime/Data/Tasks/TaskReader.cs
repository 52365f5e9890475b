using System.Globalization;

namespace PeaKd.Data.Tasks;

/// <summary>Reads the splits of a task from a data folder, checking every row.</summary>
internal static class TaskReader
{
    /// <param name="task">The task (GLUE or tsv).</param>
    /// <param name="folder">The folder holding train.tsv, dev.tsv, test.tsv (or MNLI's names).</param>
    /// <param name="split">train, dev, test, or dev_mismatched/test_mismatched for MNLI.</param>
    /// <param name="labels">For the tsv task: the class names in id order (from train for dev and test, or from the model a
    /// run distils, so its outputs keep their meaning). Ignored for GLUE.</param>
    /// <param name="labelsFromModel">Whether <paramref name="labels"/> are a trained model's (an unknown label is then
    /// one the model has no output for), not train's.</param>
    public static Dataset Read(TaskDefinition task, string folder, string split, IReadOnlyList<string>? labels = null, bool labelsFromModel = false)
    {
        if (!task.SplitFiles.TryGetValue(split, out string? fileName))
        {
            throw new ArgumentException($"Task {task.Name} has no split '{split}'; it has {string.Join(", ", task.SplitFiles.Keys)}.");
        }
        string path = Path.Combine(folder, fileName);
        if (Directory.Exists(path))
        {
            throw new DataFormatException(path, null, $"is a folder, not a file; task {task.Name} expects the file {fileName} in {folder}.");
        }
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, null,
                $"file not found; task {task.Name} expects {string.Join(", ", task.SplitFiles.Values)} in {folder}.");
        }

        bool isTest = split.StartsWith("test", StringComparison.Ordinal);
        ColumnLayout layout = isTest ? task.Test : task.Labelled;
        TsvFile file = TsvFile.Read(path, layout.HasHeader, layout.FieldCount);
        if (isTest && layout.Label is null && task.Labelled.Label is { } labelColumn && layout.HasHeader && file.IndexOf(labelColumn) >= 0)
        {
            throw new DataFormatException(path, 1, $"the test split has a label column '{labelColumn}'; {task.Name} test files carry no labels (is this the dev file?).");
        }

        int text = ColumnIndex(file, layout.Text);
        int? pair = layout.Pair is null || (layout.PairOptional && file.IndexOf(layout.Pair) < 0) ? null : ColumnIndex(file, layout.Pair);
        int? label = layout.Label is null || (layout.LabelOptional && file.IndexOf(layout.Label) < 0) ? null : ColumnIndex(file, layout.Label);

        IReadOnlyList<string> classes = task.Labels ?? labels ?? (task.IsRegression || label is null ? [] : FirstAppearance(file, label.Value));
        var examples = new List<Example>(file.Rows.Count);
        foreach ((int line, string[] fields) in file.Rows)
        {
            (int? id, float? target) = label is int column ? LabelOf(task, split, labelsFromModel, classes, path, line, fields[column]) : (null, null);
            RequireText(path, line, file, layout.Text, fields[text]);
            if (pair is int p)
            {
                RequireText(path, line, file, layout.Pair!, fields[p]);
            }
            examples.Add(new Example(fields[text], pair is int q ? fields[q] : null, id, target, line));
        }
        if (examples.Count == 0)
        {
            throw new DataFormatException(path, null, $"the {split} split has no examples.");
        }
        return new Dataset(task.Name, split, path, file.ContentHash, examples, classes);
    }

    /// <summary>A row's label: a regression task's score, or a class's id (an unknown one is an error that says where the
    /// labels came from: the task, train, or the model).</summary>
    private static (int? Id, float? Target) LabelOf(TaskDefinition task, string split, bool labelsFromModel, IReadOnlyList<string> classes, string path, int line, string value)
    {
        if (task.IsRegression)
        {
            return (null, float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float score) && float.IsFinite(score)
                ? score
                : throw new DataFormatException(path, line, $"score '{value}' is not a number."));
        }
        int index = IndexOf(classes, value);
        return (index >= 0 ? index : throw new DataFormatException(path, line, task.Labels is not null
            ? $"unknown label '{value}'; {task.Name} labels are {string.Join(", ", classes.Select(c => $"'{c}'"))}."
            : split == "train" || labelsFromModel
            ? $"unknown label '{value}': the model has no output for it; its labels are {string.Join(", ", classes.Select(c => $"'{c}'"))}."
            : $"unknown label '{value}': it does not occur in the training split, so the model has no output for it; the labels seen in train are {string.Join(", ", classes.Select(c => $"'{c}'"))}."), null);
    }

    /// <summary>An empty text would encode to [CLS] [SEP]: a row the model can only guess on, and in training a
    /// label it is taught to predict from nothing. Such rows are almost always an export mistake, so they are errors.</summary>
    private static void RequireText(string path, int line, TsvFile file, string column, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            string name = file.Header is null ? $"field {int.Parse(column, CultureInfo.InvariantCulture) + 1}" : $"column '{column}'";
            throw new DataFormatException(path, line, $"the text in {name} is empty; every example needs text. Remove the row or fill it in.");
        }
    }

    private static int ColumnIndex(TsvFile file, string column) =>
        file.Header is null ? int.Parse(column, CultureInfo.InvariantCulture) : file.Column(column);

    private static int IndexOf(IReadOnlyList<string> classes, string value)
    {
        for (int i = 0; i < classes.Count; i++)
        {
            if (classes[i] == value)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The tsv task's label set: the distinct training labels in order of first appearance.</summary>
    private static IReadOnlyList<string> FirstAppearance(TsvFile file, int column) =>
        file.Rows.Select(r => r.Fields[column]).Distinct(StringComparer.Ordinal).ToArray();
}
