using PeaKd.Options;

namespace PeaKd.Data.Tasks;

/// <summary>Where a split's text and label live: header column names, or 0-based positions for files without a header.</summary>
/// <param name="HasHeader">Whether the first line names the columns.</param>
/// <param name="Text">The text column.</param>
/// <param name="Pair">The second text's column, or null.</param>
/// <param name="Label">The label column, or null (unlabelled test files).</param>
/// <param name="FieldCount">Fields per row of a file without a header.</param>
/// <param name="PairOptional">The pair column is used only when the file has it (the tsv task's default text_b).</param>
/// <param name="LabelOptional">The label column is read only when the file has it (the tsv task's test split).</param>
public sealed record ColumnLayout(bool HasHeader, string Text, string? Pair, string? Label, int? FieldCount = null, bool PairOptional = false, bool LabelOptional = false)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>The metrics a task reports.</summary>
public enum Metric
{
    /// <summary>The share of right predictions.</summary>
    Accuracy,
    /// <summary>F1 of the positive class (<see cref="TaskDefinition.PositiveLabel"/>; GLUE's "1" for MRPC and QQP).</summary>
    F1,
    /// <summary>Matthews correlation (CoLA).</summary>
    Matthews,
    /// <summary>Pearson correlation of scores (STS-B); makes the task a regression.</summary>
    Pearson,
    /// <summary>Spearman correlation of scores (STS-B).</summary>
    Spearman,
}

/// <summary>One task: its files, column layout, labels and metrics.</summary>
/// <param name="Name">Canonical name (GLUE's spelling, e.g. "SST-2").</param>
/// <param name="Labels">Class names in id order, as Hugging Face's GLUE processors order them; null for regression
/// and for tasks whose labels come from the training data.</param>
/// <param name="Metrics">The first is the one a best checkpoint is chosen by.</param>
/// <param name="Labelled">Columns of train and dev.</param>
/// <param name="Test">Columns of the unlabelled test split.</param>
/// <param name="SplitFiles">File name of each split (train, dev, test, and MNLI's mismatched ones).</param>
public sealed record TaskDefinition(
    string Name,
    IReadOnlyList<string>? Labels,
    IReadOnlyList<Metric> Metrics,
    ColumnLayout Labelled,
    ColumnLayout Test,
    IReadOnlyDictionary<string, string> SplitFiles)
{
    /// <summary>True when the task predicts a score (its metrics are correlations).</summary>
    public bool IsRegression => Metrics.Contains(Metric.Pearson);

    /// <summary>The class F1 (and the binary confusion counts) treat as positive. Null takes the label that sorts last
    /// (ordinal order): GLUE's "1" over "0", and for labels read from train "yes" over "no", "true" over "false",
    /// "positive" over "negative"; never the order rows happen to come in. Results record the one used.</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>The id of the positive class among <paramref name="labels"/> (in id order); an explicit
    /// <see cref="PositiveLabel"/> that is not one of them is an error naming <paramref name="property"/>.</summary>
    internal int PositiveLabelId(IReadOnlyList<string> labels, string property)
    {
        if (PositiveLabel is string named)
        {
            int id = labels.ToList().IndexOf(named);
            return id >= 0 ? id : throw new InvalidOptionException(new OptionPath(property) / nameof(PositiveLabel),
                $"is '{named}', which is not one of the task's labels ({string.Join(", ", labels)}).");
        }
        string last = labels.Order(StringComparer.Ordinal).Last();
        return labels.ToList().IndexOf(last);
    }

    /// <summary>Checks a task a caller built (the registry's are valid): what reading and scoring rely on, before any
    /// file is read. <paramref name="property"/> is where it sits in the options (PipelineOptions.Data.Task).</summary>
    internal void Validate(string property)
    {
        var path = new OptionPath(property);
        OptionCheck.NotEmpty(path / nameof(Name), Name, "the task's name");
        if (PositiveLabel is not null)
        {
            OptionCheck.NotEmpty(path / nameof(PositiveLabel), PositiveLabel, "the class F1 scores (or null for the label that sorts last)");
            if (Labels is not null && !Labels.Contains(PositiveLabel))
            {
                throw new InvalidOptionException(path / nameof(PositiveLabel), $"is '{PositiveLabel}', which is not one of {Name}'s labels ({string.Join(", ", Labels)}).");
            }
        }
        OptionCheck.NotNull(path / nameof(Metrics), Metrics, "the task's metrics (the first chooses the best checkpoint)");
        if (Metrics.Count == 0)
        {
            throw new InvalidOptionException(path / nameof(Metrics), "is empty; list the task's metrics, the first being the one the best checkpoint is chosen by (such as Metric.Accuracy).");
        }
        foreach (Metric metric in Metrics)
        {
            OptionCheck.Defined(path / nameof(Metrics), metric);
        }
        OptionCheck.NotNull(path / nameof(Labelled), Labelled, "the columns of train and dev");
        OptionCheck.NotEmpty(path / nameof(Labelled) / nameof(ColumnLayout.Text), Labelled.Text, "the text column of train and dev");
        OptionCheck.NotEmpty(path / nameof(Labelled) / nameof(ColumnLayout.Label), Labelled.Label, "the label column of train and dev (they are trained and scored on it)");
        OptionCheck.NotNull(path / nameof(Test), Test, "the columns of the test split");
        OptionCheck.NotEmpty(path / nameof(Test) / nameof(ColumnLayout.Text), Test.Text, "the text column of the test split");
        OptionCheck.NotNull(path / nameof(SplitFiles), SplitFiles, "each split's file name (TaskDefinition.StandardSplits: train.tsv, dev.tsv, test.tsv)");
        foreach (string split in new[] { "train", "dev" })
        {
            if (!SplitFiles.TryGetValue(split, out string? file) || string.IsNullOrWhiteSpace(file))
            {
                throw new InvalidOptionException(path / nameof(SplitFiles), $"names no {split} file; give each split's file name (TaskDefinition.StandardSplits: train.tsv, dev.tsv, test.tsv).");
            }
        }
    }

    /// <summary>train.tsv, dev.tsv, test.tsv.</summary>
    public static IReadOnlyDictionary<string, string> StandardSplits { get; } = new Dictionary<string, string>
    {
        ["train"] = "train.tsv",
        ["dev"] = "dev.tsv",
        ["test"] = "test.tsv",
    };

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
