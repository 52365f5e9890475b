using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Training;

namespace PeaKd.Runs;

/// <summary>
/// The folder of one run: options.json (what was asked), metrics.jsonl (every log step), a folder per stage
/// (its checkpoints), the trained models, the predictions and summary.json.
/// </summary>
public sealed class RunFolder
{
    public RunFolder(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        Log = new MetricsLog(Path.Combine(Root, "metrics.jsonl"));
    }

    public string Root { get; }
    public MetricsLog Log { get; }

    public string OptionsFile => Path.Combine(Root, "options.json");
    public string SummaryFile => Path.Combine(Root, "summary.json");
    public string TeacherFolder => Path.Combine(Root, "teacher");
    public string StudentFolder => Path.Combine(Root, "student");
    public string RecordFolder => Path.Combine(Root, "record");
    public string FeatureCacheFolder => Path.Combine(Root, "features");

    /// <summary>The checkpoint folder of a training stage (finetune, ptp, kd).</summary>
    public string Stage(string name) => Path.Combine(Root, "stages", name);

    public string Predictions(string split) => Path.Combine(Root, $"predictions-{split}.tsv");

    /// <summary>Records the options; a resumed run must be asked the same thing.</summary>
    public void SaveOptions(JsonObject options, bool resume)
    {
        string text = options.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (resume && File.Exists(OptionsFile))
        {
            JsonObject saved = JsonFile.ReadObject(OptionsFile); // damaged: an error naming it, not a guess at the options
            var ignored = new[] { "resume", "device" };
            string Normalize(JsonNode? node) => new JsonObject((node?.AsObject() ?? [])
                .Where(p => !ignored.Contains(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString();
            if (Normalize(saved) != Normalize(options))
            {
                throw new ArgumentException($"{OptionsFile}: --resume needs the options of the interrupted run; they differ. Use the same options, or a new --out folder.");
            }
            return;
        }
        AtomicFile.WriteAllText(OptionsFile, text + "\n");
    }

    /// <summary>Writes summary.json sealed (<see cref="JsonFile.WriteSealed"/>): a report never shows numbers that were changed after the run.</summary>
    public void WriteSummary(JsonObject summary) => JsonFile.WriteSealed(SummaryFile, summary);
}
