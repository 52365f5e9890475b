using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.Runs;
using PeaKd.Samples.Students;
using PeaKd.Training;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd distill</c>: the Pea-KD pipeline after fine-tuning: record, student from the teacher, PTP, KD, evaluation.</summary>
internal static class DistillCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var teacher = new Option<string>("--teacher") { Description = "A fine-tuned teacher folder (peakd finetune).", Required = true };
        var student = new Option<string>("--student") { Description = "The student to train (see peakd students).", Required = true };
        var output = new Option<string>("--out") { Description = "The run folder.", Required = true };
        var noPtp = new Option<bool>("--no-ptp") { Description = "Skip pretraining with the teacher's predictions." };
        var preset = new Option<string>("--preset") { Description = "Loss preset: ft (alpha 0), kd (beta 0), pkd (T 10, alpha 0.7, beta 100).", DefaultValueFactory = _ => "pkd" };
        var alpha = new Option<double?>("--alpha") { Description = "Weight of the soft-target term (overrides the preset)." };
        var temperature = new Option<double?>("--temperature") { Description = "Softmax temperature T (overrides the preset)." };
        var beta = new Option<double?>("--beta") { Description = "Weight of the patient [CLS] term (overrides the preset)." };
        var thresholds = new Option<string>("--ptp-thresholds") { Description = "median (default), paper, or t1,t2 such as 0.95,0.7.", DefaultValueFactory = _ => "median" };
        var ptpEpochs = new Option<int>("--ptp-epochs") { Description = "PTP pretraining epochs.", DefaultValueFactory = _ => 2 };
        var records = new Option<string?>("--records") { Description = "A folder for teacher records shared by runs of one teacher (default: the run's own)." };
        var recordDtype = new Option<string>("--record-dtype") { Description = "How the teacher record stores the [CLS] states: fp32, or bf16 (half the size; logits stay fp32).", DefaultValueFactory = _ => TeacherRecord.Fp32 };
        var initLayers = new Option<string?>("--init-layers") { Description = "Teacher layers copied into the owned layers, e.g. 0,2,4 (default the first k)." };
        var command = new Command("distill", "Distil a fine-tuned teacher into a student with Pea-KD (PTP, then KD with the patient loss).");
        CommonOptions.Add(command, [.. common.TaskOptions, teacher, student, output, noPtp, preset, alpha, temperature, beta, thresholds, ptpEpochs, initLayers, records, recordDtype, .. common.TrainingOptions]);
        command.SetAction(parse => CommandRunner.Run("distill", () =>
        {
            common.Validate(parse, training: true);
            string name = parse.GetValue(student)!;
            CommonOptions.Require(StudentCatalog.Find(name) is not null,
                $"--student '{name}' is not known; use one of {string.Join(", ", StudentCatalog.All.Select(s => s.Name))}.");
            CommonOptions.Require(parse.GetValue(ptpEpochs) >= 1, "--ptp-epochs must be at least 1.");
            _ = TeacherRecord.DtypeOf(parse.GetValue(recordDtype)!); // an unknown --record-dtype is refused here, with the choices
            KdSettings kd = KdSettings.Preset(parse.GetValue(preset)!);
            kd = kd with
            {
                Alpha = parse.GetValue(alpha) ?? kd.Alpha,
                Temperature = parse.GetValue(temperature) ?? kd.Temperature,
                Beta = parse.GetValue(beta) ?? kd.Beta,
            };
            TrainingOptions training = common.Training(parse);
            var options = new PipelineOptions
            {
                Task = common.ResolveTask(parse),
                DataFolder = parse.GetValue(common.Data)!,
                TeacherFolder = parse.GetValue(teacher)!,
                Student = StudentCatalog.Find(parse.GetValue(student)!)!,
                InitLayers = ParseLayers(parse.GetValue(initLayers)),
                Ptp = !parse.GetValue(noPtp),
                PtpThresholds = PtpThresholds.Parse(parse.GetValue(thresholds)!),
                Kd = kd,
                PtpTraining = training with { Epochs = parse.GetValue(ptpEpochs) },
                Distillation = training,
                MaxLength = parse.GetValue(common.MaxLength),
                LimitTrain = parse.GetValue(common.LimitTrain),
                Device = parse.GetValue(common.Device)!,
                Precision = parse.GetValue(common.Precision)!,
                Resume = parse.GetValue(common.Resume),
                RecordFolder = parse.GetValue(records),
                RecordDtype = parse.GetValue(recordDtype)!,
            };
            JsonObject summary = PeaKdPipeline.Run(options, new RunFolder(parse.GetValue(output)!), ConsoleProgress.Create());
            Console.WriteLine($"{summary["student"]} ({summary["owned_parameters"]} parameters, depth {summary["effective_depth"]}): {summary["metrics"]!.ToJsonString()}");
        }));
        return command;
    }

    internal static IReadOnlyList<int>? ParseLayers(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var layers = new List<int>();
        foreach (string part in text.Split(','))
        {
            layers.Add(int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int layer)
                ? layer
                : throw new ArgumentException($"--init-layers '{text}' is not a comma-separated list of layer numbers."));
        }
        return layers;
    }
}
