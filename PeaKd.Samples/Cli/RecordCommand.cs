using System.CommandLine;
using System.Globalization;
using PeaKd.Distillation;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd record</c>: the teacher record computed once into a folder that <c>peakd distill --records</c>
/// runs then reuse; whole, one shard of it (<c>--shard i/n</c>), or the merge of its shards (<c>--merge n</c>).</summary>
internal static class RecordCommand
{
    private const string Options = nameof(TeacherRecordOptions);

    internal static readonly FlagNames Flags = new(
    [
        .. CommonOptions.Flags(Options),
        ($"{Options}.Teacher", "--teacher"),
        ($"{Options}.RecordFolder", "--records"),
        ($"{Options}.RecordDtype", "--record-dtype"),
        ($"{Options}.Shard.Count", "--shard"),
        ($"{Options}.Shard", "--shard"),
    ]);

    public static Command Create()
    {
        var common = new CommonOptions();
        var teacher = new Option<string>("--teacher") { Description = "A fine-tuned teacher folder (peakd finetune).", Required = true };
        var records = new Option<string>("--records") { Description = "The folder the record is written to; peakd distill --records DIR reuses it.", Required = true };
        var recordDtype = new Option<string>("--record-dtype") { Description = "How the record stores the [CLS] states: fp32, or bf16 (half the size; logits stay fp32).", DefaultValueFactory = _ => "fp32" };
        var shard = new Option<string?>("--shard") { Description = "Compute only shard i of n (i from 0 to n-1): a contiguous part of each split, for one machine of n." };
        var merge = new Option<int?>("--merge") { Description = "Merge the n shards computed with --shard i/n into the record, then remove them." };
        var command = new Command("record", "Compute the teacher record (logits and [CLS] states over train and dev) once, whole or in shards, for distillation runs to reuse.");
        CommonOptions.Add(command, [.. common.TaskOptions, teacher, records, common.MaxLength, common.LimitTrain, recordDtype, common.Device, common.Precision, shard, merge]);
        command.SetAction(parse => CommandRunner.Run("record", Flags, () =>
        {
            int? mergeCount = parse.GetValue(merge);
            string? shardText = parse.GetValue(shard);
            CommonOptions.Require(mergeCount is null || shardText is null, "--shard and --merge exclude each other: compute each shard with --shard i/n, then merge them once with --merge n.");
            CommonOptions.Require(mergeCount is null or >= 1, $"--merge {mergeCount} is not a shard count; give the n of the --shard i/n the shards were computed with.");
            var options = new TeacherRecordOptions
            {
                Data = common.DataSource(parse),
                Teacher = parse.GetValue(teacher)!,
                RecordFolder = parse.GetValue(records)!,
                MaxLength = parse.GetValue(common.MaxLength),
                LimitTrain = parse.GetValue(common.LimitTrain),
                RecordDtype = CommonOptions.ParseChoice<RecordDtype>("--record-dtype", parse.GetValue(recordDtype)!),
                Device = common.DeviceChoice(parse),
                Precision = common.PrecisionChoice(parse),
                Shard = shardText is null ? null : ParseShard(shardText),
            };
            TeacherRecordResult result = mergeCount is int count
                ? TeacherRecords.Merge(options, count, ConsoleProgress.Create(), CommandRunner.Stopping)
                : TeacherRecords.Compute(options, ConsoleProgress.Create(), CommandRunner.Stopping);
            foreach (TeacherRecordFile file in result.Splits)
            {
                string rows = file.Examples == 0 ? "no rows" : $"rows {file.FirstRow}-{file.FirstRow + file.Examples - 1}";
                Console.WriteLine($"{file.Split}: {rows} of {file.SplitExamples}, {file.Outcome.ToString().ToLowerInvariant()}: {file.Path}");
            }
        }, resumeAdvice: "Rerun the same command to continue; what was written is reused."));
        return command;
    }

    /// <summary>"i/n", such as 0/3; the range is checked by the API (<see cref="TeacherRecordOptions.Validate"/>).</summary>
    internal static TeacherRecordShard ParseShard(string text)
    {
        string[] parts = text.Split('/');
        return parts.Length == 2
            && int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            ? new TeacherRecordShard(index, count)
            : throw new ArgumentException($"--shard '{text}' is not i/n, such as 0/3 (shard 0 of 3; shards are numbered from 0).");
    }
}
