using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Checkpoints;

[Collection(TrainingCollection.Name)]
public class HfCheckpointTests
{
    private static readonly BertConfig Small = new()
    {
        VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32, // the fixture vocabulary's 50 tokens
        MaxPositionEmbeddings = 20, Labels = ["no", "yes"],
    };

    [Fact]
    public void Save_then_load_is_exact()
    {
        using var folder = TestFiles.TempFolder();
        manual_seed(3);
        using var model = new BertClassifier(Small);
        string vocab = TestFiles.Fixture("tiny-bert", "vocab.txt");
        HfCheckpoint.Save(model, folder.Path, vocab);

        Assert.True(File.Exists(folder.File("model.safetensors")));
        Assert.Equal(File.ReadAllText(vocab), File.ReadAllText(folder.File("vocab.txt")));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));

        using LoadedCheckpoint loaded = HfCheckpoint.Load(folder.Path);
        Assert.Equal(Small, loaded.Model.Config);
        Assert.Equal(folder.File("vocab.txt"), loaded.VocabFile);
        Dictionary<string, Tensor> saved = model.state_dict();
        Dictionary<string, Tensor> restored = loaded.Model.state_dict();
        Assert.Equal(saved.Keys.Order(), restored.Keys.Order());
        foreach ((string name, Tensor tensor) in saved)
        {
            Assert.Equal(tensor.dtype, restored[name].dtype);
            Assert.True(TensorAssert.MaxAbsDifference(tensor, restored[name]) == 0, $"{name} changed in the round trip");
        }
    }

    [Fact]
    public void A_checkpoint_with_other_shapes_lists_every_mismatch()
    {
        using var folder = TestFiles.TempFolder();
        using (var model = new BertClassifier(Small))
        {
            HfCheckpoint.Save(model, folder.Path);
        }
        // config now claims three labels and a wider FFN than the saved weights have
        var json = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        json["id2label"] = new JsonObject { ["0"] = "a", ["1"] = "b", ["2"] = "c" };
        json["intermediate_size"] = 40;
        File.WriteAllText(folder.File("config.json"), json.ToJsonString());

        var error = Assert.Throws<CheckpointMismatchException>(() => HfCheckpoint.Load(folder.Path));
        Assert.Contains("classifier.weight: checkpoint [2, 16] vs model [3, 16]", error.Mismatched);
        Assert.Contains("bert.encoder.layer.1.intermediate.dense.weight: checkpoint [32, 16] vs model [40, 16]", error.Mismatched);
        Assert.Equal(2 + 2 * 3, error.Mismatched.Count); // classifier weight+bias; per layer FFN in weight+bias, out weight
        Assert.StartsWith(folder.File("model.safetensors") + ": the checkpoint does not match the model", error.Message);
        Assert.Contains("shape mismatches", error.Message);
    }

    [Fact]
    public void Missing_and_unexpected_keys_are_listed()
    {
        using var folder = TestFiles.TempFolder();
        using (var model = new BertClassifier(Small))
        {
            HfCheckpoint.Save(model, folder.Path);
        }
        Dictionary<string, Tensor> tensors = WeightsFile.Read(folder.File("model.safetensors"));
        tensors.Remove("bert.encoder.layer.1.attention.self.query.weight");
        tensors["bert.encoder.layer.2.attention.self.query.weight"] = zeros(16, 16);
        WeightsFile.WriteSafetensors(folder.File("model.safetensors"), tensors);

        var error = Assert.Throws<CheckpointMismatchException>(() => HfCheckpoint.Load(folder.Path));
        Assert.Equal(["bert.encoder.layer.1.attention.self.query.weight"], error.Missing);
        Assert.Equal(["bert.encoder.layer.2.attention.self.query.weight"], error.Unexpected);
        Assert.Contains("1 missing keys", error.Message);
        Assert.Contains("1 unexpected keys", error.Message);
    }

    [Fact]
    public void A_corrupt_weights_file_is_named()
    {
        using var folder = TestFiles.TempFolder();
        using (var model = new BertClassifier(Small))
        {
            HfCheckpoint.Save(model, folder.Path);
        }
        byte[] bytes = File.ReadAllBytes(folder.File("model.safetensors"));
        File.WriteAllBytes(folder.File("model.safetensors"), bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<CorruptFileException>(() => HfCheckpoint.Load(folder.Path));
        Assert.Equal(folder.File("model.safetensors"), error.File);
        Assert.Contains(folder.File("model.safetensors"), error.Message);
    }

    [Fact]
    public void A_folder_without_weights_says_what_it_expected()
    {
        using var folder = TestFiles.TempFolder();
        Small.Save(folder.File("config.json"));
        var error = Assert.Throws<FileNotFoundException>(() => HfCheckpoint.Load(folder.Path));
        Assert.Contains("expected model.safetensors or pytorch_model.bin", error.Message);
    }
}
