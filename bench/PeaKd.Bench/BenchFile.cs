using System.Text.Json;
using PeaKd.Modeling;
using PeaKd.Precision;
using PeaKd.Samples.Students;
using PeaKd.Students;

namespace PeaKd.Bench;

/// <summary>A model of bench/cases.json: sizes and the effective layer sequence ("0 1 2 0' 1' 2'", ' = Query/Key exchanged).</summary>
internal sealed record ModelSpec(string Layers, int Hidden, int Heads, int Intermediate, string? Student = null);

/// <summary>A case of bench/cases.json.</summary>
internal sealed record CaseSpec(string Kind, string Model, int Batch, int Sequence, int Warmup, int Steps,
    string? Teacher = null, string? TeacherMode = null, string Precision = "fp32");

/// <summary>bench/cases.json: the one description of every case that PeaKd.Bench, reference.py and summarize.py share.</summary>
internal sealed record BenchFile(int VocabSize, int MaxPositionEmbeddings, int NumLabels,
    Dictionary<string, ModelSpec> Models, Dictionary<string, CaseSpec> Cases)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectRequiredConstructorParameters = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    public static BenchFile Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<BenchFile>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path}: the file is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public CaseSpec Case(string name) => Cases.TryGetValue(name, out CaseSpec? spec)
        ? spec
        : throw new ArgumentException($"Unknown case '{name}'; cases.json has {string.Join(", ", Cases.Keys)}.");

    public ModelSpec Model(string name) => Models.TryGetValue(name, out ModelSpec? spec)
        ? spec
        : throw new ArgumentException($"cases.json names model '{name}', but its models are {string.Join(", ", Models.Keys)}.");

    public BertConfig Config(ModelSpec model) => BertConfig.BertBase with
    {
        VocabSize = VocabSize,
        MaxPositionEmbeddings = MaxPositionEmbeddings,
        HiddenSize = model.Hidden,
        NumAttentionHeads = model.Heads,
        IntermediateSize = model.Intermediate,
        NumHiddenLayers = model.Layers.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length,
        Labels = Enumerable.Range(0, NumLabels).Select(i => $"LABEL_{i}").ToArray(),
    };

    /// <summary>The model, built as PeaKd builds it: a catalog student or a plain BERT classifier; its layer
    /// sequence must be the one cases.json states, since the PyTorch peer builds from that text.</summary>
    public BertClassifier Build(string name, string precision = "fp32")
    {
        BertClassifier built = BuildFp32(name);
        built.Precision = PrecisionSelector.Resolve(Enum.Parse<PrecisionChoice>(precision, ignoreCase: true), TorchSharp.torch.CPU).Precision;
        return built;
    }

    private BertClassifier BuildFp32(string name)
    {
        ModelSpec model = Model(name);
        BertConfig config = Config(model);
        if (model.Student is null)
        {
            string plain = string.Join(' ', Enumerable.Range(0, config.NumHiddenLayers));
            Require(model.Layers == plain, name, $"a plain BERT runs its layers in order (\"{plain}\"), not \"{model.Layers}\"");
            return new BertClassifier(config);
        }
        StudentDescriptor student = StudentCatalog.Find(model.Student)
            ?? throw new ArgumentException($"cases.json model '{name}' names student '{model.Student}', which the catalog does not have.");
        string layers = string.Join(' ', student.Plan.Layers);
        Require(model.Layers == layers, name, $"student {student.Name} runs \"{layers}\", but cases.json says \"{model.Layers}\"");
        return student.Create(config, NumLabels);
    }

    private static void Require(bool condition, string model, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException($"cases.json model '{model}': {message}.");
        }
    }
}
