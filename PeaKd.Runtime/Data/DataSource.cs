using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PeaKd.Data.Tasks;
using PeaKd.Options;

namespace PeaKd.Data;

/// <summary>
/// Where a run's examples come from: a task's files in a folder (<see cref="Files(TaskDefinition, string)"/>: GLUE
/// or any TSV), or labelled examples in memory (<see cref="InMemory"/>). Every split is read and checked before
/// anything is trained or written; a bad row is an error naming its file and line (or its list and index).
/// </summary>
public abstract record DataSource
{
    private protected DataSource()
    {
    }

    /// <summary>The task: its label set, metrics and file layout.</summary>
    public abstract TaskDefinition Task { get; }

    /// <summary>A task's files: train.tsv, dev.tsv and, when present, test.tsv (MNLI: its own names) in <paramref name="folder"/>.</summary>
    /// <param name="task">A task from <see cref="TaskRegistry"/>: a GLUE task, or <see cref="TaskRegistry.Tsv"/> for any TSV with a header.</param>
    /// <param name="folder">The folder holding the split files.</param>
    public static DataSource Files(TaskDefinition task, string folder) => new FileDataSource(task, folder);

    /// <summary>A task's files, the task named as GLUE or Hugging Face spell it (SST-2, sst2, STS-B, tsv, ...).</summary>
    /// <param name="task">The task's name.</param>
    /// <param name="folder">The folder holding the split files.</param>
    public static DataSource Files(string task, string folder) => new FileDataSource(TaskRegistry.Resolve(task), folder);

    /// <summary>
    /// Labelled examples in memory, for a classification task. The class names are the training labels in order of
    /// first appearance; dev and test may only use those. The metrics are accuracy and F1 (of the second class).
    /// </summary>
    /// <param name="train">The training examples (at least one).</param>
    /// <param name="dev">The examples that pick the best checkpoint (at least one).</param>
    /// <param name="test">Held-out examples scored at the end, or null.</param>
    public static DataSource InMemory(IReadOnlyList<LabeledText> train, IReadOnlyList<LabeledText> dev, IReadOnlyList<LabeledText>? test = null) =>
        new MemoryDataSource(train, dev, test);

    /// <summary>Checks what can be checked without reading files; throws <see cref="InvalidOptionException"/> naming <paramref name="property"/>.</summary>
    internal abstract void Validate(string property);

    /// <summary>A run's data: set, and valid on its own (an in-memory list is checked row by row).</summary>
    internal static void CheckSet(string property, DataSource? data)
    {
        OptionCheck.NotNull(property, data, "the task's examples (DataSource.Files or DataSource.InMemory)");
        data!.Validate(property);
    }

    /// <summary>Reads every split (train first), checking every row of a file; in-memory lists were checked by
    /// <see cref="Validate"/>, which every caller runs first. <paramref name="limitTrain"/> keeps a stratified sample of N training rows.</summary>
    /// <param name="limitTrain">Keep only N training rows (a stratified sample, see <see cref="Limit"/>).</param>
    /// <param name="labels">The class names in id order when a model fixes them (a fine-tuned teacher), for tasks whose
    /// labels otherwise come from train; null to take them from train in order of first appearance.</param>
    internal abstract IReadOnlyList<Dataset> Read(int? limitTrain, IReadOnlyList<string>? labels = null);

    /// <summary>One split alone, its labels read in <paramref name="labels"/>' order (a trained model's): what scoring a
    /// model needs, so dev scores without train.tsv or test.tsv there.</summary>
    internal virtual Dataset ReadSplit(string split, IReadOnlyList<string> labels) =>
        Read(null, labels).FirstOrDefault(d => d.Split == split)
        ?? throw new ArgumentException($"The data has no {split} split; it has {string.Join(", ", Read(null, labels).Select(d => d.Split).Where(s => s != "train"))}.", nameof(split));

    /// <summary>Whether the data has <paramref name="split"/> (its file is there, or its list was given), without reading it.</summary>
    internal abstract bool HasSplit(string split);

    /// <summary>What options.json records as the data: a folder's full path, or a hash of the examples.</summary>
    internal abstract string Identity { get; }

    /// <summary>How it was made: <c>DataSource.Files(SST-2, glue/SST-2)</c>, or <c>DataSource.InMemory(...)</c> with
    /// each split's number of examples.</summary>
    public sealed override string ToString() => Describe();

    /// <summary><see cref="ToString"/>'s text.</summary>
    internal abstract string Describe();

    /// <summary>The training split as used: with a limit, a stratified sample (each class keeps its share of the rows,
    /// at least one each; chosen with a fixed seed, kept in file order), so a file sorted by label still gives every
    /// class; its hash says which sample it is. A classification set with a single class is refused: it trains to loss 0
    /// and scores 1.0 on anything labelled the same.</summary>
    private protected static Dataset Limit(Dataset train, int? limitTrain)
    {
        Dataset used = limitTrain is int n && n < train.Examples.Count
            ? train with { Examples = StratifiedSample(train.Examples, n), ContentHash = $"{train.ContentHash}-stratified{n}-seed{SampleSeed}" }
            : train;
        int[] classes = used.Examples.Where(e => e.Label is not null).Select(e => e.Label!.Value).Distinct().ToArray();
        if (train.Labels.Count > 0 && classes.Length == 1)
        {
            string limited = used == train ? "" : $" (the {used.Examples.Count} rows LimitTrain keeps)";
            throw new DataFormatException(train.File, null,
                $"every training example{limited} is labelled '{train.Labels[classes[0]]}'; a classifier needs at least two classes to learn from (with one it reaches loss 0 and learns nothing). Check the label column and the file{(limited.Length > 0 ? ", or keep more rows" : "")}.");
        }
        return used;
    }

    /// <summary>The seed of the training sample a limit takes (recorded in the data's hash, so records and caches tell samples apart).</summary>
    internal const int SampleSeed = 1;

    /// <summary>How a limited training set is drawn, as options.json records it (older runs took the first rows).</summary>
    internal static string LimitSample => $"stratified, seed {SampleSeed}";

    /// <summary><paramref name="count"/> rows, each class (regression: all rows as one) getting its share by largest
    /// remainder and at least one row while rows last; within a class, a seeded shuffle picks them.</summary>
    private static List<Example> StratifiedSample(IReadOnlyList<Example> examples, int count)
    {
        var classes = examples.Select((e, i) => (e.Label, Index: i)).GroupBy(e => e.Label).OrderBy(g => g.Key ?? -1)
            .Select(g => g.Select(e => e.Index).ToArray()).ToArray();
        double[] shares = classes.Select(c => (double)count * c.Length / examples.Count).ToArray();
        int[] quota = shares.Select(s => (int)Math.Floor(s)).ToArray();
        foreach (int c in Enumerable.Range(0, classes.Length).OrderByDescending(c => shares[c] - quota[c]).ThenBy(c => c).Take(count - quota.Sum()))
        {
            quota[c]++;
        }
        for (int c = 0; c < classes.Length; c++)
        {
            if (quota[c] == 0 && count >= classes.Length) // a rare class keeps one row, taken from the largest
            {
                quota[c] = 1;
                quota[Array.IndexOf(quota, quota.Max())]--;
            }
        }
        var random = new Random(SampleSeed);
        var chosen = new List<int>();
        for (int c = 0; c < classes.Length; c++)
        {
            int[] rows = classes[c].ToArray();
            random.Shuffle(rows);
            chosen.AddRange(rows.Take(quota[c]));
        }
        return chosen.Order().Select(i => examples[i]).ToList();
    }
}

/// <summary>A task's split files in a folder.</summary>
internal sealed record FileDataSource(TaskDefinition FileTask, string Folder) : DataSource
{
    public override TaskDefinition Task => FileTask;

    internal override string Identity => Path.GetFullPath(Folder);

    internal override string Describe() => $"DataSource.Files({FileTask?.Name ?? "null"}, {Folder ?? "null"})";

    internal override void Validate(string property)
    {
        OptionCheck.NotNull(property, FileTask, "a task");
        FileTask.Validate(new OptionPath(property) / nameof(Task));
        OptionCheck.NotEmpty(property, Folder, "the folder holding the task's files");
    }

    internal override Dataset ReadSplit(string split, IReadOnlyList<string> labels) => TaskReader.Read(FileTask, Folder, split, labels, labelsFromModel: true);

    internal override bool HasSplit(string split) =>
        FileTask.SplitFiles.TryGetValue(split, out string? file) && File.Exists(Path.Combine(Folder, file));

    internal override IReadOnlyList<Dataset> Read(int? limitTrain, IReadOnlyList<string>? labels = null)
    {
        Dataset train = TaskReader.Read(FileTask, Folder, "train", labels);
        var splits = new List<Dataset> { Limit(train, limitTrain), TaskReader.Read(FileTask, Folder, "dev", train.Labels) };
        // every other split whose file is there: test, and MNLI's mismatched ones
        foreach ((string split, string file) in FileTask.SplitFiles.Where(s => s.Key is not ("train" or "dev")))
        {
            if (File.Exists(Path.Combine(Folder, file)))
            {
                splits.Add(TaskReader.Read(FileTask, Folder, split, train.Labels));
            }
        }
        return splits;
    }
}

/// <summary>Labelled examples in memory.</summary>
internal sealed record MemoryDataSource(IReadOnlyList<LabeledText> Train, IReadOnlyList<LabeledText> Dev, IReadOnlyList<LabeledText>? Test) : DataSource
{
    /// <summary>The in-memory task: labels from train, accuracy and F1.</summary>
    public static TaskDefinition MemoryTask { get; } = TaskRegistry.Tsv() with { Name = "memory" };

    public override TaskDefinition Task => MemoryTask;

    internal override string Describe() =>
        $"DataSource.InMemory(train: {Count(Train)} examples, dev: {Count(Dev)}, test: {(Test is null ? "none" : Count(Test))})";

    private static string Count(IReadOnlyList<LabeledText>? examples) => examples?.Count.ToString(CultureInfo.InvariantCulture) ?? "null";

    internal override string Identity => "memory:" + Hash(Splits().SelectMany(s => s.Examples.Select(e => $"{s.Name}\t{e.Text}\t{e.TextPair}\t{e.Label}")));

    internal override void Validate(string property)
    {
        var path = new OptionPath(property);
        OptionCheck.NotNull(path / nameof(Train), Train, "the training examples");
        OptionCheck.NotNull(path / nameof(Dev), Dev, "the dev examples, which pick the best checkpoint");
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, IReadOnlyList<LabeledText> examples) in Splits())
        {
            if (examples.Count == 0)
            {
                throw new InvalidOptionException(path / name, "holds no example; give at least one.");
            }
            for (int i = 0; i < examples.Count; i++)
            {
                OptionPath item = path / $"{name}[{i}]";
                LabeledText? example = examples[i];
                OptionCheck.NotNull(item, example, "a LabeledText");
                OptionCheck.NotEmpty(item / nameof(LabeledText.Text), example!.Text, "the text; every example needs one");
                OptionCheck.NotEmpty(item / nameof(LabeledText.Label), example.Label, "the class name");
                if (example.TextPair is not null && string.IsNullOrWhiteSpace(example.TextPair))
                {
                    throw new InvalidOptionException(item / nameof(LabeledText.TextPair), "is empty; give the second text, or null for a single-text example.");
                }
                if (name == nameof(Train))
                {
                    labels.Add(example.Label);
                }
                else if (!labels.Contains(example.Label))
                {
                    throw new InvalidOptionException(item / nameof(LabeledText.Label),
                        $"is '{example.Label}', which no training example has, so the model has no output for it; the training labels are {string.Join(", ", labels.Select(l => $"'{l}'"))}.");
                }
            }
        }
    }

    internal override IReadOnlyList<Dataset> Read(int? limitTrain, IReadOnlyList<string>? order = null)
    {
        IReadOnlyList<string> labels = order ?? Train.Select(e => e.Label).Distinct(StringComparer.Ordinal).ToArray();
        string? unknown = Train.Select(e => e.Label).FirstOrDefault(l => !labels.Contains(l));
        if (unknown is not null)
        {
            throw new ArgumentException($"The training examples use the label '{unknown}', which the model has no output for; its labels are {string.Join(", ", labels.Select(l => $"'{l}'"))}.");
        }
        Dataset Split((string Name, IReadOnlyList<LabeledText> Examples) split)
        {
            string name = split.Name.ToLowerInvariant();
            var examples = split.Examples.Select((e, i) => new Example(e.Text, e.TextPair, IndexOf(labels, e.Label), null, i + 1)).ToList();
            string hash = Hash(split.Examples.Select(e => $"{e.Text}\t{e.TextPair}\t{e.Label}"));
            return new Dataset(MemoryTask.Name, name, $"(in-memory {name} examples)", hash, examples, labels);
        }
        var splits = Splits().Select(Split).ToList();
        splits[0] = Limit(splits[0], limitTrain);
        return splits;
    }

    internal override bool HasSplit(string split) => split is "train" or "dev" || (split == "test" && Test is not null);

    private IEnumerable<(string Name, IReadOnlyList<LabeledText> Examples)> Splits()
    {
        yield return (nameof(Train), Train);
        yield return (nameof(Dev), Dev);
        if (Test is not null)
        {
            yield return (nameof(Test), Test);
        }
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }
        return -1;
    }

    private static string Hash(IEnumerable<string> lines)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string line in lines)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
