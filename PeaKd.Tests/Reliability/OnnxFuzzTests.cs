using PeaKd.Checkpoints;
using PeaKd.Checkpoints.Onnx;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PeaKd.Tests.Reliability;

/// <summary>Mutated ONNX models and assemblies that embed one import or fail with a documented error naming the file.</summary>
[Collection(TrainingCollection.Name)]
public class OnnxFuzzTests(ITestOutputHelper log)
{
    private static readonly Type[] Documented = [typeof(CorruptFileException), typeof(InvalidConfigException)];
    private static readonly Lazy<byte[]> Model = new(TinyOnnxBert.Build);

    private static void Import(string path)
    {
        ImportedBert imported = OnnxBertImporter.Import(OnnxModelSource.Read(path));
        OnnxBertImporter.Save(imported, Path.Combine(Path.GetDirectoryName(path)!, "imported"));
    }

    [Fact]
    public void The_tiny_ONNX_BERT_imports_as_the_fixture()
    {
        using var folder = TestFiles.TempFolder();
        File.WriteAllBytes(folder.File("model.onnx"), Model.Value);
        File.Copy(TestFiles.Fixture("tiny-bert", "vocab.txt"), folder.File("vocab.txt"));
        ImportedBert imported = OnnxBertImporter.Import(OnnxModelSource.Read(folder.File("model.onnx")));
        BertConfig expected = BertConfig.Load(TestFiles.Fixture("tiny-bert", "config.json"));
        Assert.Equal((expected.NumHiddenLayers, expected.HiddenSize, expected.NumAttentionHeads, expected.IntermediateSize, expected.VocabSize, "gelu"),
            (imported.Config.NumHiddenLayers, imported.Config.HiddenSize, imported.Config.NumAttentionHeads, imported.Config.IntermediateSize, imported.Config.VocabSize, imported.Config.HiddenAct));
        OnnxBertImporter.Save(imported, folder.File("imported"));
        using LoadedCheckpoint loaded = HfCheckpoint.Load(folder.File("imported"));
        Assert.True(loaded.Report.FreshClassifier);
        // every backbone tensor is the fixture's, bit for bit: raw and typed float storage, transposed MatMul weights and
        // names found through the Add that follows all read back to what was written
        using LoadedCheckpoint fixture = HfCheckpoint.Load(TestFiles.Fixture("tiny-bert"));
        Dictionary<string, TorchSharp.torch.Tensor> want = fixture.Model.Bert.state_dict(), got = loaded.Model.Bert.state_dict();
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach ((string name, TorchSharp.torch.Tensor tensor) in want)
        {
            Assert.True(tensor.shape.SequenceEqual(got[name].shape), name);
            Assert.True(tensor.eq(got[name]).all().item<bool>(), $"{name} differs from the fixture");
        }
    }

    [Fact]
    public void Mutated_ONNX_models_import_or_fail_naming_the_file()
    {
        var (parsed, rejected) = Fuzz.Check(Fuzz.Mutants(Model.Value, hotBytes: 1024), 300, "model.onnx", Import, Documented,
            prepare: folder => File.Copy(TestFiles.Fixture("tiny-bert", "vocab.txt"), Path.Combine(folder, "vocab.txt")));
        log.WriteLine($"model.onnx: {parsed} mutants imported, {rejected} rejected");
    }

    [Fact]
    public void Mutated_assemblies_embedding_a_model_import_or_fail_naming_the_file()
    {
        byte[] assembly = TinyOnnxBert.Assembly(Model.Value);
        var (parsed, rejected) = Fuzz.Check(Fuzz.Mutants(assembly, hotBytes: 1024), 200, "model.dll", Import, Documented);
        log.WriteLine($"model.dll: {parsed} mutants imported, {rejected} rejected");
    }
}
