using System.Diagnostics;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Export;
using PeaKd.Folders;
using PeaKd.Inference;
using PeaKd.Modeling;

namespace PeaKd.Bench.Cases;

/// <summary>
/// What sealed folders cost: the main job's teacher (all-MiniLM-L6-v2 with a classifier, about 90 MB) written sealed,
/// exported to ONNX fp32 and int8, and each folder verified as a reader does (every file's SHA-256 against the
/// manifest) the first time a process opens it and again (the per-process cache), beside the load it guards.
/// A copy of the folder is verified each time, so no cached hash is reused across the timed rounds.
/// </summary>
internal static class VerifyBench
{
    public static void Run(int repetitions, Measurement measurement)
    {
        string work = Path.Combine(Path.GetTempPath(), "peakd-verify-bench", Guid.NewGuid().ToString("N"));
        try
        {
            ImportedTeacher imported = TeacherImport.MiniLm(Path.Combine(work, "minilm"));
            string teacher = Path.Combine(work, "teacher");
            using (LoadedCheckpoint backbone = HfCheckpoint.Load(imported.Folder))
            using (var classifier = new BertClassifier(backbone.Model.Config with { Labels = ["great", "other"] }))
            {
                ModuleCopy.Copy(backbone.Model.Bert, classifier.Bert, "MiniLM");
                classifier.ResetClassifier();
                HfCheckpoint.Save(classifier, teacher, Path.Combine(imported.Folder, ModelFiles.Vocabulary));
            }
            FolderManifest.Write(teacher, FolderKind.FineTuned, null, null);
            ModelExport.ToOnnx(teacher, Path.Combine(work, "onnx"));
            ModelExport.ToOnnx(teacher, Path.Combine(work, "int8"), OnnxQuantization.Int8);

            var folders = new JsonObject();
            foreach (string name in new[] { "teacher", "onnx", "int8" })
            {
                string folder = Path.Combine(work, name);
                var first = new JsonArray();
                var again = new JsonArray();
                var load = new JsonArray();
                for (int i = 0; i < repetitions; i++)
                {
                    string copy = Path.Combine(work, $"{name}-{i}");
                    CopyFolder(folder, copy);
                    first.Add(Seconds(() => SealedFolder.Verify(copy)));
                    again.Add(Seconds(() => SealedFolder.Verify(copy)));
                    load.Add(Seconds(() => TextClassifier.Load(copy).Dispose())); // hashes cached: the load's own cost
                    Directory.Delete(copy, recursive: true);
                }
                folders[name] = new JsonObject
                {
                    ["bytes"] = Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length),
                    ["verify_first_seconds"] = first,
                    ["verify_cached_seconds"] = again,
                    ["load_seconds_after_verify"] = load,
                };
            }
            measurement["folders"] = folders;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
