using System.Text.Json.Nodes;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Options;

namespace PeaKd.Runs;

/// <summary>A run's data, read and checked before anything is written: every split (train first), and the class F1
/// scores resolved against train's labels. What options.json records of it comes from here.</summary>
internal sealed class RunData
{
    private RunData(TaskDefinition task, IReadOnlyList<Dataset> splits)
    {
        Task = task;
        Splits = splits;
    }

    public TaskDefinition Task { get; }

    /// <summary>Every split read, train first.</summary>
    public IReadOnlyList<Dataset> Splits { get; }

    public Dataset Train => Splits[0];

    /// <summary>Reads every split of <paramref name="source"/> (checking every row) and resolves its positive label,
    /// an error naming <paramref name="property"/> (the options' Data) when the task names one train does not have.</summary>
    /// <param name="source">The options' data.</param>
    /// <param name="limitTrain">Keep a stratified sample of N training rows; null for all.</param>
    /// <param name="labels">The class names in id order when a model fixes them (a given teacher); null to take them from train.</param>
    /// <param name="property">Where <paramref name="source"/> sits in the options: PipelineOptions.Data.</param>
    public static RunData Read(DataSource source, int? limitTrain, IReadOnlyList<string>? labels, OptionPath property)
    {
        var data = new RunData(source.Task, source.Read(limitTrain, labels));
        if (!data.Task.IsRegression)
        {
            data.Task.PositiveLabelId(data.Train.Labels, property / nameof(DataSource.Task)); // before training, not at the first score
        }
        return data;
    }

    /// <summary>The class F1 scores on this data (<see cref="TaskDefinition.PositiveLabel"/> resolved), or null for regression.</summary>
    public string? PositiveLabel => Task.IsRegression ? null : Train.Labels[Task.PositiveLabelId(Train.Labels, "Data.Task")];

    /// <summary>What runs of versions before the positive label was recorded did: F1 of train's second label (id 1).</summary>
    public JsonObject OlderRunValues => new() { ["positive_label"] = Task.IsRegression || Train.Labels.Count < 2 ? null : Train.Labels[1] };

    /// <summary>The splits tokenized with <paramref name="modelFolder"/>'s vocabulary, cached in <paramref name="run"/>'s features/ folder.</summary>
    public TaskData Encode(string modelFolder, int maxLength, RunFolder run) => Encode(modelFolder, maxLength, run.FeatureCacheFolder);

    /// <summary>The splits tokenized with <paramref name="modelFolder"/>'s vocabulary, cached in <paramref name="cacheFolder"/> (null: not cached).</summary>
    public TaskData Encode(string modelFolder, int maxLength, string? cacheFolder) => TaskData.Encode(Task, Splits, modelFolder, maxLength, cacheFolder);
}
