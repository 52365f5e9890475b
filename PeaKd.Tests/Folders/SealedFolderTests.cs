using PeaKd.Checkpoints;
using PeaKd.Export;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Students;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Folders;

/// <summary>
/// Every folder PeaKd writes is a sealed unit: a manifest lists each model file's size and SHA-256, every reader checks
/// it before a tensor is built, writers publish whole folders, and a folder is replaced only by one of its own kind
/// when asked. Each case the adversarial pass found, with a fresh variant of its input.
/// </summary>
[Collection(TrainingCollection.Name)]
public class SealedFolderTests
{
    private static readonly BertConfig Small = new()
    {
        VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 24, MaxPositionEmbeddings = 16,
        Labels = ["great", "other"],
    };

    /// <summary>A student folder as a run writes it (weights, config, vocabulary, student.json), sealed as a run seals it
    /// unless <paramref name="sealedFolder"/> is false (a folder from elsewhere, or an older PeaKd).</summary>
    internal static void WriteStudent(string folder, string name = "PeaBert2", bool sealedFolder = true, Action<Dictionary<string, Tensor>>? edit = null, BertConfig? config = null)
    {
        manual_seed(name.Length + 7);
        using StudentModel student = PeaKd.Samples.Students.StudentCatalog.Get(name).Create(config ?? Small, Small.NumLabels);
        Directory.CreateDirectory(folder);
        Dictionary<string, Tensor> weights = student.state_dict();
        using (no_grad())
        {
            edit?.Invoke(weights);
        }
        WeightsFile.WriteSafetensors(Path.Combine(folder, "model.safetensors"), weights);
        student.Config.Save(Path.Combine(folder, "config.json"));
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Enumerable.Range(0, 45).Select(i => $"tok{i}")]);
        File.WriteAllText(Path.Combine(folder, "student.json"),
            $"{{\"student\": \"{name}\", \"plan\": \"{student.Plan}\", \"owned_layers\": {student.Plan.OwnedLayers}, \"effective_depth\": {student.Plan.EffectiveDepth}}}");
        if (sealedFolder)
        {
            FolderManifest.Write(folder, FolderKind.Student, null, null);
        }
    }

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, string folder)
    {
        Dictionary<string, byte[]> after = Snapshot(folder);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach ((string name, byte[] bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [Fact]
    public void One_flipped_byte_in_any_file_of_a_student_or_its_exports_is_refused_naming_the_file()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("student"));
        ModelExport.ToOnnx(folder.File("student"), folder.File("int8"), OnnxQuantization.Int8);
        ModelExport.ToHuggingFace(folder.File("student"), folder.File("hf"));
        using (TextClassifier.Load(folder.File("int8"))) { } // intact, all three load
        using (TextClassifier.Load(folder.File("hf"))) { }
        int cases = 0;
        foreach (string sealedFolder in new[] { "student", "int8", "hf" })
        {
            foreach (string file in Directory.GetFiles(folder.File(sealedFolder)).Select(Path.GetFileName).OfType<string>())
            {
                string copy = folder.File($"{sealedFolder}-{file}");
                CopyFolder(folder.File(sealedFolder), copy);
                string path = Path.Combine(copy, file);
                byte[] bytes = File.ReadAllBytes(path);
                bytes[bytes.Length / 2] ^= 0x10; // one bit, in the middle: the file still parses in most cases
                File.WriteAllBytes(path, bytes);
                var refused = Assert.Throws<CorruptFileException>(() => TextClassifier.Load(copy).Dispose());
                Assert.Equal(path, refused.File);
                if (sealedFolder == "student")
                {
                    var export = Assert.Throws<CorruptFileException>(() => ModelExport.ToOnnx(copy, folder.File($"out-{file}")));
                    Assert.Equal(path, export.File);
                    Assert.False(Directory.Exists(folder.File($"out-{file}")));
                }
                cases++;
            }
        }
        Assert.Equal(5 + 4 + 4, cases); // the student's 4 model files, the int8 export's 3, the Hugging Face export's 3, and each manifest
    }

    [Fact]
    public void A_change_that_keeps_the_size_and_sets_the_write_time_back_is_found_after_a_verified_load()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("student"));
        string weights = folder.File("student/model.safetensors");
        SealedFolder.Verify(folder.File("student")); // hashed once: the process caches it
        SealedFolder.Verify(folder.File("student"));
        Assert.Equal(1, FileHashes.TimesHashed(weights)); // an unchanged file is not read again
        DateTime written = File.GetLastWriteTimeUtc(weights);
        byte[] bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(weights, bytes);
        File.SetLastWriteTimeUtc(weights, written); // as cp -p, rsync -a or touch -r leave it
        var refused = Assert.Throws<CorruptFileException>(() => SealedFolder.Verify(folder.File("student")));
        Assert.Equal(weights, refused.File);
        Assert.Equal(2, FileHashes.TimesHashed(weights)); // the changed one is
    }

    [Fact]
    public void A_writer_removes_only_its_own_targets_leftovers_whatever_the_names()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("student"));
        string others = folder.File($".m.staging-foo.staging-{Guid.NewGuid():N}"); // the staging folder of a target named "m.staging-foo"
        string wildcard = folder.File($".m1.staging-{Guid.NewGuid():N}"); // of "m1", which a pattern "m?" would reach
        string killed = folder.File($".m.staging-{Guid.NewGuid():N}"); // what a killed export of "m" left
        foreach (string leftover in new[] { others, wildcard, killed })
        {
            Directory.CreateDirectory(leftover);
        }
        ModelExport.ToOnnx(folder.File("student"), folder.File("m"));
        ModelExport.ToOnnx(folder.File("student"), folder.File("m?"));
        Assert.True(Directory.Exists(others));
        Assert.True(Directory.Exists(wildcard));
        Assert.False(Directory.Exists(killed));
    }

    [Fact]
    public void A_sealed_teacher_with_a_flipped_byte_is_refused_before_a_run_reads_it()
    {
        using TempFolder folder = TestFiles.TempFolder();
        using (var teacher = new BertClassifier(Small))
        {
            HfCheckpoint.Save(teacher, folder.File("teacher"), TestFiles.Fixture("tiny-bert", "vocab.txt"));
        }
        FolderManifest.Write(folder.File("teacher"), FolderKind.FineTuned, null, null);
        HfCheckpoint.CheckLoadable(folder.File("teacher"));
        string weights = folder.File("teacher/model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        bytes[^5] ^= 1;
        File.WriteAllBytes(weights, bytes);
        var refused = Assert.Throws<CorruptFileException>(() => HfCheckpoint.CheckLoadable(folder.File("teacher")));
        Assert.Equal(weights, refused.File);
        Assert.Contains("changed", refused.Message);
    }

    [Fact]
    public void A_missing_student_json_or_a_file_the_manifest_does_not_list_is_refused()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("student"));
        CopyFolder(folder.File("student"), folder.File("no-plan"));
        File.Delete(folder.File("no-plan/student.json")); // once read as a plain 2-layer BERT: the shared layers gone
        var missing = Assert.Throws<CorruptFileException>(() => TextClassifier.Load(folder.File("no-plan")).Dispose());
        Assert.Equal(folder.File("no-plan/student.json"), missing.File);
        Assert.Contains("missing", missing.Message);

        // an older export's weights left beside a new ONNX export would win at load
        ModelExport.ToOnnx(folder.File("student"), folder.File("onnx"));
        File.Copy(folder.File("student/model.safetensors"), folder.File("onnx/model.safetensors"));
        var stranger = Assert.Throws<CorruptFileException>(() => TextClassifier.Load(folder.File("onnx")).Dispose());
        Assert.Equal(folder.File("onnx/model.safetensors"), stranger.File);
        Assert.Contains("not part of", stranger.Message);
    }

    [Fact]
    public void An_export_never_replaces_a_folder_of_another_kind_and_replaces_its_own_only_when_asked()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("student"));
        WriteStudent(folder.File("other"), name: "Bert2");
        ModelExport.ToHuggingFace(folder.File("student"), folder.File("mix"));
        var before = Snapshot(folder.File("mix"));

        var kind = Assert.Throws<ArgumentException>(() => ModelExport.ToOnnx(folder.File("other"), folder.File("mix"), overwrite: true));
        Assert.Contains("holds a hf-export folder", kind.Message);
        var again = Assert.Throws<ArgumentException>(() => ModelExport.ToHuggingFace(folder.File("other"), folder.File("mix")));
        Assert.Contains("ModelExport's overwrite", again.Message);
        var student = Assert.Throws<ArgumentException>(() => ModelExport.ToHuggingFace(folder.File("other"), folder.File("student"), overwrite: true));
        Assert.Contains("holds a student folder", student.Message); // another run's student/ is never an export's target
        Directory.CreateDirectory(folder.File("notes"));
        File.WriteAllText(folder.File("notes/readme.txt"), "mine");
        var foreign = Assert.Throws<ArgumentException>(() => ModelExport.ToOnnx(folder.File("other"), folder.File("notes"), overwrite: true));
        Assert.Contains("did not write", foreign.Message);
        AssertUnchanged(before, folder.File("mix"));
        Assert.Equal("mine", File.ReadAllText(folder.File("notes/readme.txt")));

        ExportedModel replaced = ModelExport.ToHuggingFace(folder.File("other"), folder.File("mix"), overwrite: true);
        Assert.Equal(2, replaced.Layers); // Bert2's two layers, not PeaBert2's four
        Assert.Equal(2, BertConfig.Load(folder.File("mix/config.json")).NumHiddenLayers);
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path, ".mix.staging-*"));
        using (TextClassifier.Load(folder.File("mix"))) { }
    }

    [Fact]
    public void Outputs_are_never_the_model_they_read_nor_inside_it_through_a_symbolic_link()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("student"));
        var before = Snapshot(folder.File("student"));
        File.CreateSymbolicLink(folder.File("alias"), folder.File("student"));
        var alias = Assert.Throws<ArgumentException>(() => ModelExport.ToOnnx(folder.File("student"), folder.File("alias"), overwrite: true));
        Assert.Contains("symbolic links resolved", alias.Message);
        var inside = Assert.Throws<ArgumentException>(() => ModelExport.ToHuggingFace(folder.File("alias"), folder.File("student/hf")));
        Assert.Contains("lies inside it", inside.Message);
        AssertUnchanged(before, folder.File("student"));
        Assert.False(Directory.Exists(folder.File("student/hf")));
    }

    [Fact]
    public void A_second_writer_of_a_folder_is_refused_naming_the_holder()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("student"));
        using (FolderLock.Take(folder.File("out"), "export"))
        {
            var busy = Assert.Throws<FolderInUseException>(() => ModelExport.ToOnnx(folder.File("student"), folder.File("out")));
            Assert.Contains($"process {Environment.ProcessId}", busy.Message);
            Assert.Contains("export", busy.Message);
            var import = Assert.Throws<FolderInUseException>(() => TeacherImport.FromHuggingFace(TestFiles.Fixture("tiny-bert"), folder.File("out")));
            Assert.Equal(FolderPaths.Full(folder.File("out")), import.Folder);
        }
        ModelExport.ToOnnx(folder.File("student"), folder.File("out")); // released: the export goes through
        Assert.True(File.Exists(folder.File("out/peakd-manifest.json")));
    }

    [Fact]
    public void Non_finite_weights_are_refused_on_load_and_on_export_and_a_non_finite_logit_is_no_label()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("nan"), sealedFolder: false, edit: w => w["bert.encoder.layer.1.output.dense.bias"][3] = float.NaN);
        var load = Assert.Throws<CorruptFileException>(() => TextClassifier.Load(folder.File("nan")).Dispose());
        Assert.Contains("NaN or infinite", load.Message);
        Assert.Equal("tensor 'bert.encoder.layer.1.output.dense.bias'", load.Location);
        Assert.Throws<CorruptFileException>(() => ModelExport.ToOnnx(folder.File("nan"), folder.File("nan-onnx")));
        Assert.False(Directory.Exists(folder.File("nan-onnx")));

        // finite weights whose logits overflow: an error naming the input, not the first label
        WriteStudent(folder.File("huge"), sealedFolder: false, edit: w =>
        {
            w["bert.pooler.dense.bias"].fill_(1e3f); // every pooled value tanh(1000) = 1 ...
            w["classifier.weight"].fill_(3e38f); // ... so each logit sums 16 x 3e38: infinite
        });
        using TextClassifier classifier = TextClassifier.Load(folder.File("huge"));
        var logit = Assert.Throws<InvalidDataException>(() => classifier.PredictBatch(["tok1 tok2", "tok3"]));
        Assert.Contains("input 0", logit.Message);
    }

    [Fact]
    public void Config_labels_and_vocabulary_that_disagree_with_the_model_are_refused()
    {
        using TempFolder folder = TestFiles.TempFolder();
        foreach ((string labels, string expected) in new[]
                 {
                     ("{\"0\": \"great\", \"1\": \"great\"}", "names 2 outputs"),
                     ("{\"0\": \"gr\\teat\", \"1\": \"other\"}", "control character"),
                 })
        {
            WriteStudent(folder.File("labels"), sealedFolder: false);
            string config = File.ReadAllText(folder.File("labels/config.json"));
            File.WriteAllText(folder.File("labels/config.json"), System.Text.RegularExpressions.Regex.Replace(config, "\"id2label\": \\{[^}]*\\}", $"\"id2label\": {labels}"));
            var refused = Assert.Throws<InvalidConfigException>(() => TextClassifier.Load(folder.File("labels")).Dispose());
            Assert.Contains(expected, refused.Message);
            Directory.Delete(folder.File("labels"), recursive: true);
        }
        WriteStudent(folder.File("eps"), sealedFolder: false, config: Small);
        string text = File.ReadAllText(folder.File("eps/config.json"));
        File.WriteAllText(folder.File("eps/config.json"), System.Text.RegularExpressions.Regex.Replace(text, "\"layer_norm_eps\": [^,]*", "\"layer_norm_eps\": 1e30"));
        Assert.Contains("layer_norm_eps", Assert.Throws<InvalidConfigException>(() => TextClassifier.Load(folder.File("eps")).Dispose()).Message);

        WriteStudent(folder.File("vocab"), sealedFolder: false);
        File.AppendAllLines(folder.File("vocab/vocab.txt"), ["tok45", "tok46"]); // 52 tokens for 50 embeddings
        var vocabulary = Assert.Throws<CorruptFileException>(() => TextClassifier.Load(folder.File("vocab")).Dispose());
        Assert.Equal(folder.File("vocab/vocab.txt"), vocabulary.File);
        Assert.Contains("vocab_size 50", vocabulary.Message);

        // an ONNX export whose config names three labels for the graph's two logits (its manifest removed, as a hand edit would)
        WriteStudent(folder.File("student"));
        ModelExport.ToOnnx(folder.File("student"), folder.File("onnx"));
        File.Delete(folder.File("onnx/peakd-manifest.json"));
        string onnxConfig = File.ReadAllText(folder.File("onnx/config.json"));
        File.WriteAllText(folder.File("onnx/config.json"), System.Text.RegularExpressions.Regex.Replace(onnxConfig, "\"id2label\": \\{[^}]*\\}", "\"id2label\": {\"0\": \"a\", \"1\": \"b\", \"2\": \"c\"}"));
        var width = Assert.Throws<CorruptFileException>(() => TextClassifier.Load(folder.File("onnx")).Dispose());
        Assert.Contains("computes 2 logits", width.Message);
    }

    [Fact]
    public void Importing_an_ONNX_export_of_a_student_with_shared_layers_is_refused_not_read_shallower()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteStudent(folder.File("peabert"));
        ModelExport.ToOnnx(folder.File("peabert"), folder.File("peabert-onnx"));
        var refused = Assert.Throws<CorruptFileException>(() => TeacherImport.FromOnnx(folder.File("peabert-onnx/model.onnx"), folder.File("imported")));
        Assert.Contains("shared layers", refused.Message);
        Assert.False(Directory.Exists(folder.File("imported")));

        WriteStudent(folder.File("bert"), name: "Bert2"); // no sharing: imports with its two layers
        ModelExport.ToOnnx(folder.File("bert"), folder.File("bert-onnx"));
        string vocabulary = folder.File("bert-onnx/vocab.txt");
        string original = File.ReadAllText(vocabulary);
        File.WriteAllText(vocabulary, original.Replace("tok7", "tok8", StringComparison.Ordinal)); // an edited token: the export is no longer what PeaKd sealed
        var edited = Assert.Throws<CorruptFileException>(() => TeacherImport.FromOnnx(folder.File("bert-onnx/model.onnx"), folder.File("imported")));
        Assert.Equal(vocabulary, edited.File);
        File.WriteAllText(vocabulary, original);
        ImportedTeacher imported = TeacherImport.FromOnnx(folder.File("bert-onnx/model.onnx"), folder.File("imported"));
        Assert.Equal(2, imported.Config.NumHiddenLayers);
        Assert.Equal("imported", FolderManifest.Read(folder.File("imported"))!.Kind is FolderKind.Imported ? "imported" : "other");
    }

    [Fact]
    public void An_export_carries_no_path_of_the_machine_that_made_it()
    {
        using TempFolder folder = TestFiles.TempFolder();
        using (var teacher = new BertClassifier(Small with { NameOrPath = folder.File("pretrained") }))
        {
            HfCheckpoint.Save(teacher, folder.File("teacher"), TestFiles.Fixture("tiny-bert", "vocab.txt"));
        }
        Assert.Contains("_name_or_path", File.ReadAllText(folder.File("teacher/config.json"))); // the teacher keeps where it started
        ModelExport.ToHuggingFace(folder.File("teacher"), folder.File("hf"));
        ModelExport.ToOnnx(folder.File("teacher"), folder.File("onnx"));
        foreach (string export in new[] { "hf", "onnx" })
        {
            foreach (string file in Directory.GetFiles(folder.File(export)).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal) && !f.EndsWith(".onnx", StringComparison.Ordinal)))
            {
                Assert.DoesNotContain(folder.Path, File.ReadAllText(file));
            }
        }
    }
}
