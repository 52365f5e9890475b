namespace PeaKd.Data.Tasks;

/// <summary>The nine GLUE tasks with their exact file formats, and name lookup that accepts both GLUE's and
/// Hugging Face's spellings (SST-2, sst2, STS-B, stsb, ...), case-insensitively.</summary>
public static class TaskRegistry
{
    private static readonly string[] Binary = ["0", "1"];
    private static readonly string[] Entailment = ["entailment", "not_entailment"];

    /// <summary>CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI, with GLUE's file layouts.</summary>
    public static IReadOnlyList<TaskDefinition> Glue { get; } =
    [
        // CoLA train/dev have no header: source, label, original label, sentence.
        new("CoLA", Binary, [Metric.Matthews],
            new ColumnLayout(HasHeader: false, Text: "3", Pair: null, Label: "1", FieldCount: 4),
            new ColumnLayout(true, "sentence", null, null), TaskDefinition.StandardSplits),
        new("SST-2", Binary, [Metric.Accuracy],
            new ColumnLayout(true, "sentence", null, "label"),
            new ColumnLayout(true, "sentence", null, null), TaskDefinition.StandardSplits),
        new("MRPC", Binary, [Metric.F1, Metric.Accuracy],
            new ColumnLayout(true, "#1 String", "#2 String", "Quality"),
            new ColumnLayout(true, "#1 String", "#2 String", null), TaskDefinition.StandardSplits),
        new("STS-B", null, [Metric.Pearson, Metric.Spearman],
            new ColumnLayout(true, "sentence1", "sentence2", "score"),
            new ColumnLayout(true, "sentence1", "sentence2", null), TaskDefinition.StandardSplits),
        new("QQP", Binary, [Metric.F1, Metric.Accuracy],
            new ColumnLayout(true, "question1", "question2", "is_duplicate"),
            new ColumnLayout(true, "question1", "question2", null), TaskDefinition.StandardSplits),
        new("MNLI", ["contradiction", "entailment", "neutral"], [Metric.Accuracy],
            new ColumnLayout(true, "sentence1", "sentence2", "gold_label"),
            new ColumnLayout(true, "sentence1", "sentence2", null),
            new Dictionary<string, string>
            {
                ["train"] = "train.tsv",
                ["dev"] = "dev_matched.tsv",
                ["dev_mismatched"] = "dev_mismatched.tsv",
                ["test"] = "test_matched.tsv",
                ["test_mismatched"] = "test_mismatched.tsv",
            }),
        new("QNLI", Entailment, [Metric.Accuracy],
            new ColumnLayout(true, "question", "sentence", "label"),
            new ColumnLayout(true, "question", "sentence", null), TaskDefinition.StandardSplits),
        new("RTE", Entailment, [Metric.Accuracy],
            new ColumnLayout(true, "sentence1", "sentence2", "label"),
            new ColumnLayout(true, "sentence1", "sentence2", null), TaskDefinition.StandardSplits),
        new("WNLI", Binary, [Metric.Accuracy],
            new ColumnLayout(true, "sentence1", "sentence2", "label"),
            new ColumnLayout(true, "sentence1", "sentence2", null), TaskDefinition.StandardSplits),
    ];

    /// <summary>The generic task for any other TSV data: columns chosen by name (the pair column defaults to
    /// text_b when the file has one), labels taken from train in order of first appearance. Unlike GLUE's,
    /// its test file may carry labels (then the test split can be evaluated).</summary>
    public static TaskDefinition Tsv(string textColumn = "text", string? pairColumn = null, string labelColumn = "label") =>
        new("tsv", null, [Metric.Accuracy, Metric.F1],
            new ColumnLayout(true, textColumn, pairColumn ?? "text_b", labelColumn, PairOptional: pairColumn is null),
            new ColumnLayout(true, textColumn, pairColumn ?? "text_b", labelColumn, PairOptional: pairColumn is null, LabelOptional: true), TaskDefinition.StandardSplits);

    /// <summary>Every task name <see cref="Resolve"/> accepts, in GLUE's spelling, and tsv.</summary>
    public static IEnumerable<string> Names => Glue.Select(t => t.Name).Append("tsv");

    /// <summary>Finds a task by name; "SST-2", "sst2" and "Sst_2" are the same. Fails listing the valid names.</summary>
    public static TaskDefinition Resolve(string name)
    {
        string key = Normalize(name);
        if (key == "tsv")
        {
            return Tsv();
        }
        return Glue.FirstOrDefault(t => Normalize(t.Name) == key)
            ?? throw new ArgumentException($"Unknown task '{name}'; use one of {string.Join(", ", Names)}.");
    }

    private static string Normalize(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}
