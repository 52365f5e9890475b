namespace PeaKd.Folders;

/// <summary>The files a model folder is read from. A manifest lists each one present, and a folder holding one its
/// manifest does not list is refused: that file would be read in place of the model's own (an older export's weights
/// left beside a new ONNX file, say).</summary>
internal static class ModelFiles
{
    public const string Config = "config.json";
    public const string Safetensors = "model.safetensors";
    public const string PyTorch = "pytorch_model.bin";
    public const string Onnx = "model.onnx";
    public const string Student = "student.json";
    public const string Vocabulary = "vocab.txt";
    public const string TokenizerConfig = "tokenizer_config.json";

    /// <summary>The most bytes a vocab.txt is read to: far more than a BERT vocabulary (about 230 KB for 30,522 tokens),
    /// and a bound on a file that reports 0 bytes and never ends (a device, a FIFO).</summary>
    public const long MaxVocabularyBytes = 64L << 20;

    public static IReadOnlyList<string> Names { get; } = [Config, Safetensors, PyTorch, Onnx, Student, Vocabulary, TokenizerConfig];

    /// <summary>The model files <paramref name="folder"/> holds, in <see cref="Names"/>' order.</summary>
    public static IEnumerable<string> Present(string folder) => Names.Where(name => File.Exists(Path.Combine(folder, name)));
}
