using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.IO;
using PeaKd.Options;
using PeaKd.Training;

namespace PeaKd.Runs;

/// <summary>
/// The folder of one run: options.json (what was asked), metrics.jsonl (every log step), a folder per stage
/// (its checkpoints), the trained models, the predictions and summary.json. Nothing is created until the run
/// writes its options, so a run refused by its checks leaves no folder behind.
/// </summary>
internal sealed class RunFolder(string root)
{
    public string Root { get; } = IO.FolderPaths.Full(root); // no trailing separator: "runs/teacher/" is "runs/teacher"

    /// <summary>What each stage keeps of its checkpoints once it is done.</summary>
    public CheckpointRetention Retention { get; init; } = CheckpointRetention.Best;
    public MetricsLog Log { get; } = new(Path.Combine(IO.FolderPaths.Full(root), "metrics.jsonl"));

    public string OptionsFile => Path.Combine(Root, "options.json");
    public string SummaryFile => Path.Combine(Root, "summary.json");
    public string TeacherFolder => Path.Combine(Root, "teacher");
    public string StudentFolder => Path.Combine(Root, "student");
    public string RecordFolder => Path.Combine(Root, "record");
    public string FeatureCacheFolder => Path.Combine(Root, "features");

    /// <summary>The checkpoint folder of a training stage (finetune, ptp, kd).</summary>
    public string Stage(string name) => Path.Combine(Root, "stages", name);

    public string Predictions(string split) => Path.Combine(Root, $"predictions-{split}.tsv");

    private const string LockFile = "run.lock";
    private const string OwnerFile = "run.lock.json";

    /// <summary>Takes the folder for this run (creating it) until the returned lock is disposed: a second run into it,
    /// in this process or another, is refused with <see cref="RunFolderInUseException"/> naming the holder, and an
    /// export or import writing it with <see cref="Folders.FolderInUseException"/>. The locks are the operating
    /// system's (<see cref="Folders.FolderLock"/>), so a killed run leaves none behind.</summary>
    public IDisposable Lock(string optionsType)
    {
        bool existed = Directory.Exists(Root);
        Directory.CreateDirectory(Root);
        string path = Path.Combine(Root, LockFile);
        Folders.FolderLock run = Folders.FolderLock.TryTake(path, $"{optionsType} run", out string holder)
            ?? throw new RunFolderInUseException(Root, holder, optionsType);
        try
        {
            return new Locks(run, Folders.FolderLock.Take(IO.FolderPaths.Real(Root), $"{optionsType} run")); // the lock exports and imports take too
        }
        catch
        {
            run.Dispose(); // another writer holds the folder: the error is that, and the folder is left as it was
            if (!existed)
            {
                try
                {
                    File.Delete(path);
                    Directory.Delete(Root); // not created for nothing: the writer holding it may be about to publish there
                }
                catch (IOException)
                {
                    // the other writer has put something there meanwhile: what it wrote stays, and the error is the lock's
                }
            }
            throw;
        }
    }

    private sealed class Locks(IDisposable run, IDisposable writers) : IDisposable
    {
        public void Dispose()
        {
            writers.Dispose();
            run.Dispose();
        }
    }

    /// <summary>Claims the folder for a new run, a resumed one or a replacement (the lock is held): a folder that holds a
    /// run is continued only with <paramref name="resume"/> and deleted only with <paramref name="overwrite"/>; a folder
    /// that holds anything else is never written into.</summary>
    public void Claim(bool resume, bool overwrite, string optionsType)
    {
        string[] entries = CheckHoldsNothingElse(optionsType);
        if (entries.Length == 0)
        {
            return;
        }
        var options = new OptionPath(optionsType);
        OptionPath property = options / nameof(RunSettings.OutputFolder);
        if (resume)
        {
            return;
        }
        if (!overwrite)
        {
            string which = File.Exists(SummaryFile) ? "a finished run" : "an interrupted run";
            throw new InvalidOptionException(property,
                $"is '{Root}', which holds {which}; set {options / nameof(RunSettings.Resume)} to continue it, or {options / nameof(RunSettings.Overwrite)} to delete it and start again, or give another folder.");
        }
        File.Delete(SummaryFile); // first: a folder half cleared never passes for a finished run
        foreach (string entry in entries.OrderBy(e => e == OptionsFile)) // options.json last: a kill midway leaves a run to overwrite again
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>Refuses a folder that holds anything but a run (resumed or not, a run never writes into one), before the
    /// run locks it (so that it creates nothing there) and again under the lock; returns the folder's entries.</summary>
    public string[] CheckHoldsNothingElse(string optionsType)
    {
        // the lock files, and the temporary files of a run killed before its options.json was in place, are a run's start
        string[] entries = Directory.Exists(Root)
            ? Directory.EnumerateFileSystemEntries(Root).Where(e => Path.GetFileName(e) is string name && name is not (LockFile or OwnerFile) && !AtomicFile.IsTemporary(name)).ToArray()
            : [];
        if (entries.Length > 0 && !File.Exists(OptionsFile))
        {
            throw new InvalidOptionException(new OptionPath(optionsType) / nameof(RunSettings.OutputFolder),
                $"is '{Root}', which holds files that are not a PeaKd run ({string.Join(", ", entries.Take(3).Select(Path.GetFileName))}{(entries.Length > 3 ? ", ..." : "")}); give a new or empty folder.");
        }
        return entries;
    }

    /// <summary>Records the options (creating the folder); a resumed run must be asked the same thing.</summary>
    /// <param name="options">options.json's content.</param>
    /// <param name="resume">Whether the run resumes; then the saved options must match, device aside.</param>
    /// <param name="optionsType">The options type's name, for the message (PipelineOptions, FineTuneOptions).</param>
    /// <param name="properties">The property each options.json key records (max_length: MaxLength), so that a refused
    /// resume names the options to change; a key not listed is named as it is.</param>
    /// <param name="olderValues">Values older versions did not write but which depend on the run's data (the positive
    /// label: they scored F1 of train's second label): an older run is compared as if it had written them.</param>
    public void SaveOptions(JsonObject options, bool resume, string optionsType, IReadOnlyDictionary<string, string>? properties = null, JsonObject? olderValues = null)
    {
        var optionsPath = new OptionPath(optionsType);
        if (resume && File.Exists(OptionsFile))
        {
            JsonObject saved = JsonFile.ReadObject(OptionsFile); // damaged: an error naming it, not a guess at the options
            foreach ((string old, string now) in RenamedKeys)
            {
                if (saved.ContainsKey(old) && !saved.ContainsKey(now) && saved[old] is JsonNode value)
                {
                    saved.Remove(old);
                    saved[now] = value; // an older run's name for the same value
                }
            }
            AddOlderDefaults(saved, options);
            foreach ((string key, JsonNode? value) in olderValues ?? [])
            {
                if (!saved.ContainsKey(key))
                {
                    saved[key] = value?.DeepClone(); // what the older run did, though it did not write it
                }
            }
            foreach ((string key, JsonNode? value) in saved.ToArray())
            {
                if (value is JsonObject savedLevel && options[key] is JsonObject asked)
                {
                    AddOlderDefaults(savedLevel, asked);
                }
            }
            string[] differing = saved.Select(p => p.Key).Union(options.Select(p => p.Key))
                .Where(key => !BookkeepingKeys.Contains(key) && !JsonNode.DeepEquals(saved[key], options[key]))
                .ToArray();
            if (differing.Length > 0)
            {
                throw new InvalidOptionException(optionsPath / nameof(RunSettings.Resume),
                    $"needs the options of the interrupted run, but {OptionsFile} differs in {string.Join("; ", differing.SelectMany(key => Differences(Named(key), saved[key], options[key])))}. Use the same options, or another {optionsPath / nameof(RunSettings.OutputFolder)}.");
            }
            return;
        }
        AtomicFile.WriteAllText(OptionsFile, options.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        string Named(string key) => properties?.GetValueOrDefault(key) is string property ? optionsPath / property : key;
    }

    /// <summary>Options that do not change what a run computes: a resume may change them, and a report groups runs
    /// that differ only in them.</summary>
    internal static readonly string[] BookkeepingKeys = ["resume", "device", "keep_checkpoints"];

    /// <summary>Keys older versions wrote under another name: (old, now).</summary>
    private static readonly (string Old, string Now)[] RenamedKeys = [("command", "stage")];

    /// <summary>Keys older versions did not write, with the value their runs had (top level or in a stage's training options):
    /// students started from the teacher, dev was checked at epoch ends only, the best metric was kept, a limited training
    /// set was its first rows.</summary>
    private static readonly (string Key, JsonNode Value)[] AddedKeys = [("init_from", "teacher"), ("EvalEvery", 0), ("SelectBy", 0), ("limit_sample", "first rows")];

    /// <summary>"key (saved X, asked Y)" for a differing value; for a stage's training options, one such entry per differing field.</summary>
    private static IEnumerable<string> Differences(string key, JsonNode? saved, JsonNode? asked)
    {
        if (saved is JsonObject savedFields && asked is JsonObject askedFields)
        {
            return savedFields.Select(p => p.Key).Union(askedFields.Select(p => p.Key))
                .Where(field => !JsonNode.DeepEquals(savedFields[field], askedFields[field]))
                .Select(field => $"{key}.{field} (saved {Show(savedFields[field])}, asked {Show(askedFields[field])})");
        }
        return [$"{key} (saved {Show(saved)}, asked {Show(asked)})"];
        static string Show(JsonNode? value) => value?.ToJsonString() ?? "none";
    }

    /// <summary>Fills in the keys an older run's options lack with the value that run had, where the asked options have them.</summary>
    private static void AddOlderDefaults(JsonObject saved, JsonObject asked)
    {
        foreach ((string key, JsonNode value) in AddedKeys)
        {
            if (!saved.ContainsKey(key) && asked[key] is not null)
            {
                saved[key] = value.DeepClone();
            }
        }
    }

    /// <summary>Writes summary.json sealed (<see cref="JsonFile.WriteSealed"/>): a report never shows numbers that were
    /// changed after the run. Then seals the finished run folder: its manifest lists options.json, metrics.jsonl, the
    /// predictions and summary.json, and for a fine-tuning (<paramref name="kind"/> FineTuned) the model beside them.</summary>
    /// <param name="summary">summary.json's content.</param>
    /// <param name="kind">What the run folder is: a distillation's (Run) or a fine-tuning's, which holds its model.</param>
    /// <param name="sourceFolder">The folder the run started from (the teacher, or the pretrained model), or null.</param>
    public void WriteSummary(JsonObject summary, Folders.FolderKind kind, string? sourceFolder)
    {
        JsonFile.WriteSealed(SummaryFile, summary);
        IEnumerable<string> runFiles = new[] { OptionsFile, Log.Path, SummaryFile }.Concat(Directory.EnumerateFiles(Root, "predictions-*.tsv").Order(StringComparer.Ordinal))
            .Where(File.Exists).Select(Path.GetFileName).OfType<string>();
        Folders.FolderManifest.Write(Root, kind, options: null, sourceFolder, runFiles);
    }
}
