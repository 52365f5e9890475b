using System.CommandLine;
using System.Globalization;
using PeaKd.Distillation;
using PeaKd.Samples.Students;
using PeaKd.Students;
using PeaKd.Training;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd distill</c>: the Pea-KD pipeline after fine-tuning: record, student from the teacher, PTP, KD, evaluation.</summary>
internal static class DistillCommand
{
    private const string Options = nameof(PipelineOptions);

    /// <summary>The API's property names as this command's flags.</summary>
    internal static readonly FlagNames Flags = new(
    [
        .. CommonOptions.Flags(Options),
        ($"{Options}.Teacher", "--teacher"),
        ($"{Options}.Student", "--student"),
        ($"{Options}.Ptp", "PTP (on unless --no-ptp)"),
        ($"{Options}.InitLayers", "--init-layers"),
        ($"{Options}.InitFrom to Teacher", "--init-from teacher"),
        ($"{Options}.InitFrom", "--init-from"),
        ($"{Options}.Pretrained", "--pretrained"),
        ($"{Options}.RecordFolder", "--records"),
        ($"{Options}.RecordDtype", "--record-dtype"),
        ($"{Options}.PtpThresholds.T1", "--ptp-thresholds"),
        ($"{Options}.PtpThresholds.T2", "--ptp-thresholds"),
        ($"{Options}.PtpThresholds", "--ptp-thresholds"),
        ($"{Options}.KdLoss.Alpha", "--alpha"),
        ($"{Options}.KdLoss.Temperature", "--temperature"),
        ($"{Options}.KdLoss.Beta", "--beta"),
        .. FlagNames.Training($"{Options}.KdTraining"),
        .. FlagNames.Training($"{Options}.PtpTraining", epochs: "--ptp-epochs", batchSize: "--ptp-batch-size", learningRate: "--ptp-lr"),
    ]);

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
        var ptpEpochs = new Option<int>("--ptp-epochs") { Description = "PTP pretraining epochs (the authors: 2).", DefaultValueFactory = _ => 2 };
        var ptpLearningRate = new Option<double>("--ptp-lr") { Description = "PTP's peak learning rate (the authors: 2e-5).", DefaultValueFactory = _ => 2e-5 };
        var ptpBatchSize = new Option<int?>("--ptp-batch-size") { Description = "PTP's examples per step (default: --batch-size)." };
        var initFrom = new Option<string>("--init-from") { Description = "Where students start: pretrained (the model the teacher was fine-tuned from, as the authors do) or teacher.", DefaultValueFactory = _ => "pretrained" };
        var pretrained = new Option<string?>("--pretrained") { Description = "The pretrained model folder students start from (default: the one the teacher folder records; peakd finetune records it)." };
        var records = new Option<string?>("--records") { Description = "A folder for teacher records shared by runs of one teacher (default: the run's own)." };
        var recordDtype = new Option<string>("--record-dtype") { Description = "How the teacher record stores the [CLS] states: fp32, or bf16 (half the size; logits stay fp32).", DefaultValueFactory = _ => "fp32" };
        var initLayers = new Option<string?>("--init-layers") { Description = "Layers of the model the student starts from copied into its owned layers, e.g. 0,2,4 (default the first k)." };
        var command = new Command("distill", "Distil a fine-tuned teacher into a student with Pea-KD (PTP, then KD with the patient loss).");
        CommonOptions.Add(command, [.. common.TaskOptions, teacher, student, output, noPtp, preset, alpha, temperature, beta, thresholds, ptpEpochs, ptpLearningRate, ptpBatchSize, initFrom, pretrained, initLayers, records, recordDtype, .. common.TrainingOptions]);
        command.SetAction(parse => CommandRunner.Run("distill", Flags, () =>
        {
            string name = parse.GetValue(student)!;
            StudentDescriptor chosen = StudentCatalog.Find(name)
                ?? throw new ArgumentException($"--student '{name}' is not known; use one of {string.Join(", ", StudentCatalog.All.Select(s => s.Name))}.");
            KdSettings kd = Preset(parse.GetValue(preset)!);
            kd = kd with
            {
                Alpha = parse.GetValue(alpha) ?? kd.Alpha,
                Temperature = parse.GetValue(temperature) ?? kd.Temperature,
                Beta = parse.GetValue(beta) ?? kd.Beta,
            };
            TrainingOptions training = common.Training(parse);
            var options = new PipelineOptions
            {
                Data = common.DataSource(parse),
                Teacher = parse.GetValue(teacher)!,
                Student = chosen,
                OutputFolder = parse.GetValue(output)!,
                InitFrom = CommonOptions.ParseChoice<StudentInit>("--init-from", parse.GetValue(initFrom)!),
                Pretrained = parse.GetValue(pretrained),
                InitLayers = ParseLayers(parse.GetValue(initLayers)),
                Ptp = !parse.GetValue(noPtp),
                PtpThresholds = ParseThresholds(parse.GetValue(thresholds)!),
                KdLoss = kd,
                PtpTraining = training with
                {
                    Epochs = parse.GetValue(ptpEpochs),
                    LearningRate = parse.GetValue(ptpLearningRate),
                    BatchSize = parse.GetValue(ptpBatchSize) ?? training.BatchSize,
                },
                KdTraining = training,
                MaxLength = parse.GetValue(common.MaxLength),
                LimitTrain = parse.GetValue(common.LimitTrain),
                Device = common.DeviceChoice(parse),
                Precision = common.PrecisionChoice(parse),
                Resume = parse.GetValue(common.Resume),
                Overwrite = parse.GetValue(common.Overwrite),
                KeepCheckpoints = common.Retention(parse),
                RecordFolder = parse.GetValue(records),
                RecordDtype = CommonOptions.ParseChoice<RecordDtype>("--record-dtype", parse.GetValue(recordDtype)!),
            };
            DistillationResult result = PeaKdPipeline.Run(options, ConsoleProgress.Create(), CommandRunner.Stopping);
            string metrics = string.Join("; ", result.Metrics.Select(split => $"{split.Key} {string.Join(" ", split.Value.ByName.Select(m => $"{m.Key} {m.Value:F4}"))}"));
            Console.WriteLine($"{result.Student} ({result.OwnedParameters:N0} parameters, depth {result.EffectiveDepth}): {metrics}{(result.PositiveLabel is string positive && metrics.Contains("f1") ? $" (f1 of '{positive}')" : "")}");
            CommonOptions.Warn(result.Warnings);
        }));
        return command;
    }

    /// <summary>ft, kd or pkd (<see cref="KdSettings.Presets"/>).</summary>
    internal static KdSettings Preset(string name) =>
        KdSettings.Presets.TryGetValue(name.Trim().ToLowerInvariant(), out KdSettings? preset) ? preset
            : throw new ArgumentException($"--preset '{name}' is not known; use one of {string.Join(", ", KdSettings.Presets.Keys)}.");

    /// <summary>median, paper, or "t1,t2".</summary>
    internal static PtpThresholds ParseThresholds(string text)
    {
        string value = text.Trim().ToLowerInvariant();
        if (value is "median" or "paper")
        {
            return value == "median" ? PtpThresholds.Median : PtpThresholds.Paper;
        }
        string[] parts = value.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double t1)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double t2)
            && t1 is > 0 and < 1 && t2 is > 0 and < 1)
        {
            return PtpThresholds.Of(t1, t2);
        }
        throw new ArgumentException($"--ptp-thresholds '{text}' is not valid; use median, paper, or two numbers in (0, 1) such as 0.95,0.7.");
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
