using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Tests.Infrastructure;

/// <summary>
/// A small learnable task over the tiny fixture vocabulary, written as tsv files: a sentence is "great" when it
/// holds one of the words tok10 .. tok14, "other" otherwise. Half the sentences hold one; a tenth of the training
/// labels are flipped, so the teacher is wrong on some training rows (PTP's classes 2 and 3 are not empty).
/// And a tiny teacher folder with random weights, to be fine-tuned on it.
/// </summary>
internal static class TinyTask
{
    public static readonly BertConfig TeacherConfig = BertConfig.Load(TestFiles.Fixture("tiny-bert", "config.json")) with
    {
        HiddenDropoutProb = 0.0, // tiny models learn the keyword task faster and more reliably without dropout
        AttentionProbsDropoutProb = 0.0,
    };

    /// <summary>A whole run over the task in <paramref name="folder"/> (data/ and pretrained/, see <see cref="WriteData"/>
    /// and <see cref="WriteRandomTeacher"/>): the teacher fine-tuned first, then PTP (2 epochs) and KD, on the CPU.</summary>
    public static PipelineOptions Pipeline(TempFolder folder, TrainingOptions training, string student = "TinyPeaBert", string output = "run") => new()
    {
        Data = DataSource.Files(TaskRegistry.Tsv(), folder.File("data")),
        Teacher = folder.File("pretrained"),
        FineTuneTeacher = true,
        Student = StudentCatalog.Find(student)!,
        OutputFolder = folder.File(output),
        FineTuneTraining = training,
        PtpTraining = training with { Epochs = 2 },
        KdTraining = training,
        MaxLength = 16,
        Device = DeviceChoice.Cpu,
    };

    /// <summary>Fine-tuning the random teacher in pretrained/ on the task into teacher/, on the CPU.</summary>
    public static FineTuneOptions FineTune(TempFolder folder, TrainingOptions training) => new()
    {
        Data = DataSource.Files(TaskRegistry.Tsv(), folder.File("data")),
        Teacher = folder.File("pretrained"),
        OutputFolder = folder.File("teacher"),
        Training = training,
        MaxLength = 16,
        Device = DeviceChoice.Cpu,
    };

    public static void WriteData(string folder, int train = 480, int dev = 160, int seed = 1)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        string Sentence(bool positive)
        {
            var words = Enumerable.Range(0, random.Next(4, 9)).Select(_ => $"tok{random.Next(15, 50)}").ToList();
            if (positive)
            {
                words.Insert(random.Next(words.Count + 1), $"tok{random.Next(10, 15)}");
            }
            return string.Join(' ', words);
        }
        void Write(string file, int rows, double noise) => File.WriteAllLines(Path.Combine(folder, file),
            ["text\tlabel", .. Enumerable.Range(0, rows).Select(i =>
            {
                bool positive = random.Next(2) == 0;
                bool label = random.NextDouble() < noise ? !positive : positive;
                return $"{Sentence(positive)}\t{(label ? "great" : "other")}";
            })]);
        Write("train.tsv", train, noise: 0.1);
        Write("dev.tsv", dev, noise: 0);
        Write("test.tsv", dev, noise: 0);
    }

    /// <summary>A pretrained-like teacher folder: random weights (seeded), no classifier, the fixture vocabulary.
    /// The weights come from a generator of its own, so tests drawing from libtorch's process-wide one in parallel
    /// cannot change them (a sweep test's reference teacher once came out other bits that way).</summary>
    public static void WriteRandomTeacher(string folder, int seed = 0)
    {
        using var model = new BertClassifier(TeacherConfig);
        using var generator = new Generator((ulong)seed);
        BertInitializer.Initialize(model, TeacherConfig, generator);
        HfCheckpoint.Save(model, folder, TestFiles.Fixture("tiny-bert", "vocab.txt"), includeClassifier: false);
    }
}
