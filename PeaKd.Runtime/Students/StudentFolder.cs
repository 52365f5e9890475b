using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Students;

/// <summary>What student.json says about the student in a folder.</summary>
/// <param name="Name">The student's class name.</param>
/// <param name="Layers">The owner and shuffle of each effective layer.</param>
/// <param name="OwnedLayers">Encoder layers stored in the weights.</param>
internal sealed record StudentDescription(string Name, IReadOnlyList<LayerUse> Layers, int OwnedLayers);

/// <summary>
/// Student folders: the model's weights with shared layers stored once (config.json, model.safetensors, vocab.txt)
/// and student.json, which names the student and its plan ("0 1 0' 1'"). The plan alone is enough to run the
/// student: <see cref="Load"/> unrolls it into a plain BERT, so any folder loads without the student's class.
/// </summary>
internal static class StudentFolder
{
    public const string DescriptionFile = Folders.ModelFiles.Student;

    /// <summary>Writes a trained student with its task's labels and tokenizer, whole (<see cref="StagedFolder"/>): the
    /// run owns <paramref name="folder"/>, so a student written before (by a run that is resumed) is replaced.</summary>
    /// <param name="student">The trained student.</param>
    /// <param name="data">The task: its labels and tokenizer.</param>
    /// <param name="folder">The run's student/ folder.</param>
    /// <param name="teacherFolder">The teacher it was distilled from, recorded by its manifest's seal.</param>
    public static void Save(StudentModel student, TaskData data, string folder, string? teacherFolder)
    {
        using StagedFolder staged = StagedFolder.Begin(folder, FolderKind.Student, overwrite: true, "the run's student folder", "a resume");
        Write(student, data, staged.Path);
        staged.Publish(new JsonObject { ["student"] = student.Plan.Name }, teacherFolder);
    }

    private static void Write(StudentModel student, TaskData data, string folder)
    {
        WeightsFile.WriteSafetensors(Path.Combine(folder, ModelFiles.Safetensors), student.state_dict());
        ModelFolder.WithTaskLabels(student.Config, data).Save(Path.Combine(folder, ModelFiles.Config));
        ModelFolder.WriteTokenizer(data.Encoder.VocabFile, folder, data.MaxLength);
        var description = new JsonObject
        {
            ["student"] = student.Plan.Name,
            ["plan"] = student.Plan.ToString(),
            ["owned_layers"] = student.Plan.OwnedLayers,
            ["effective_depth"] = student.Plan.EffectiveDepth,
        };
        AtomicFile.WriteAllText(Path.Combine(folder, DescriptionFile), description.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The student described in <paramref name="folder"/>, or null for a plain BERT folder (no student.json).</summary>
    public static StudentDescription? Read(string folder)
    {
        SealedFolder.Verify(folder); // a student.json a manifest lists but is gone is an error, not a plain BERT
        string path = Path.Combine(folder, DescriptionFile);
        if (!File.Exists(path))
        {
            return null;
        }
        JsonObject json = JsonFile.ReadObject(path);
        string name = JsonFile.GetString(json, "student", path) ?? throw new CorruptFileException(path, "no \"student\" name.", "field 'student'");
        string plan = JsonFile.GetString(json, "plan", path) ?? throw new CorruptFileException(path, "no \"plan\".", "field 'plan'");
        int owned = JsonFile.GetValue<int>(json, "owned_layers", path) ?? throw new CorruptFileException(path, "no \"owned_layers\".", "field 'owned_layers'");
        IReadOnlyList<LayerUse> layers = ParsePlan(plan, owned, path);
        return new StudentDescription(name, layers, owned);
    }

    /// <summary>Loads a model folder for inference: a student unrolled into a plain BERT (it computes exactly what the
    /// student computes), or a plain BERT with its trained classifier.</summary>
    public static BertClassifier Load(string folder)
    {
        StudentDescription? student = Read(folder);
        if (student is null)
        {
            LoadedCheckpoint plain = HfCheckpoint.Load(folder);
            if (plain.Report.FreshClassifier)
            {
                plain.Dispose();
                throw new ArgumentException($"{folder}: the model has no trained classifier (a pretrained backbone); fine-tune or distil it first.");
            }
            return plain.Model;
        }
        BertConfig config = BertConfig.Load(Path.Combine(folder, ModelFiles.Config));
        string weightsPath = Path.Combine(folder, ModelFiles.Safetensors);
        Dictionary<string, Tensor> weights = WeightsFile.Read(weightsPath);
        try
        {
            return Unrolled(config, weights, student.Layers, weightsPath);
        }
        finally
        {
            foreach (Tensor tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>
    /// The student as a plain BERT with one layer per effective layer: shared layers become copies of their owner,
    /// with the Query and Key projections exchanged where the plan shuffles them. Any BERT runtime can serve the
    /// result, and it computes exactly what the student computes.
    /// </summary>
    public static BertClassifier Unroll(StudentModel student) =>
        Unrolled(student.Config, student.state_dict(), student.Plan.Layers, $"student {student.Plan.Name}");

    private static BertClassifier Unrolled(BertConfig config, IReadOnlyDictionary<string, Tensor> weights, IReadOnlyList<LayerUse> layers, string source)
    {
        var model = new BertClassifier(config with { NumHiddenLayers = layers.Count });
        try
        {
            StateDictLoader.Load(model, UnrolledWeights(weights, layers), source, allowFreshClassifier: false);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The state dict of the unrolled model: <c>bert.encoder.layer.{i}.*</c> is owner <c>layers[i].Owner</c>'s tensor,
    /// and where layer i is shuffled its <c>attention.self.query.*</c> is the owner's <c>key.*</c> and the other way
    /// round; everything outside the encoder is taken as it is.
    /// </summary>
    public static Dictionary<string, Tensor> UnrolledWeights(IReadOnlyDictionary<string, Tensor> weights, IReadOnlyList<LayerUse> layers)
    {
        const string layerPrefix = "bert.encoder.layer.";
        var unrolled = weights.Where(w => !w.Key.StartsWith(layerPrefix, StringComparison.Ordinal)).ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            string owner = $"{layerPrefix}{layers[i].Owner}.";
            foreach ((string key, Tensor value) in weights.Where(w => w.Key.StartsWith(owner, StringComparison.Ordinal)))
            {
                string part = key[owner.Length..];
                if (layers[i].Shuffle == Shuffle.QueryKey)
                {
                    part = SwapQueryKey(part);
                }
                unrolled[$"{layerPrefix}{i}.{part}"] = value;
            }
        }
        return unrolled;
    }

    private static string SwapQueryKey(string part)
    {
        const string query = "attention.self.query.", key = "attention.self.key.";
        return part.StartsWith(query, StringComparison.Ordinal) ? key + part[query.Length..]
            : part.StartsWith(key, StringComparison.Ordinal) ? query + part[key.Length..]
            : part;
    }

    /// <summary>Reads a plan written by <see cref="StudentPlan.ToString"/>: each effective layer's owner, primed where
    /// Query and Key are exchanged ("0 1 0' 1'").</summary>
    internal static IReadOnlyList<LayerUse> ParsePlan(string plan, int ownedLayers, string path)
    {
        var layers = new List<LayerUse>();
        foreach (string token in plan.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            bool shuffled = token.EndsWith('\'');
            string digits = shuffled ? token[..^1] : token;
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int owner) || owner >= ownedLayers)
            {
                throw new CorruptFileException(path, $"plan '{plan}' names '{token}', which is not one of the {ownedLayers} owned layers (0..{ownedLayers - 1}, primed when Query and Key are exchanged).", "field 'plan'");
            }
            layers.Add(new LayerUse(owner, shuffled ? Shuffle.QueryKey : Shuffle.None));
        }
        if (layers.Count < ownedLayers || layers.Take(ownedLayers).Select((use, i) => use.Owner != i || use.Shuffle != Shuffle.None).Any(bad => bad))
        {
            throw new CorruptFileException(path, $"plan '{plan}' must start with the {ownedLayers} owned layers in order (0 1 ...), then the shared ones.", "field 'plan'");
        }
        return layers;
    }
}
