using PeaKd.Samples.Cli;
using PeaKd.Tests.Distillation;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Cli;

/// <summary>peakd record: the teacher record whole or in shards, merged, and the API's refusals printed as flags.</summary>
[Collection(TrainingCollection.Name)]
public class RecordCommandTests(RecordTeacher fixture) : IClassFixture<RecordTeacher>
{
    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    private string[] Record(string records) =>
        ["record", "--task", "tsv", "--data", fixture.Data, "--teacher", fixture.Teacher, "--records", records, "--max-length", "16", "--device", "cpu"];

    [Fact]
    public void Shards_then_a_merge_write_the_record_and_say_what_each_split_holds()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string records = folder.File("records");
        var first = Peakd([.. Record(records), "--shard", "0/2"]);
        Assert.True(first.Exit == 0, first.Error);
        // 101 train rows are 2 batches of 64 (the run's eval batch size), one per shard; 37 dev rows are one batch, cut
        // at 1 * 1/2 rounded down = 0, so in shard 1
        Assert.EndsWith($"train: rows 0-63 of 101, computed: {Path.Combine(records, "record-train.shard-0-of-2.safetensors")}\n"
            + $"dev: no rows of 37, computed: {Path.Combine(records, "record-dev.shard-0-of-2.safetensors")}\n", first.Out);
        var second = Peakd([.. Record(records), "--shard", "1/2"]);
        Assert.True(second.Exit == 0, second.Error);
        Assert.Contains($"train: rows 64-100 of 101, computed: {Path.Combine(records, "record-train.shard-1-of-2.safetensors")}", second.Out);
        Assert.Contains($"dev: rows 0-36 of 37, computed: {Path.Combine(records, "record-dev.shard-1-of-2.safetensors")}", second.Out);

        var merged = Peakd([.. Record(records), "--merge", "2"]);
        Assert.True(merged.Exit == 0, merged.Error);
        Assert.EndsWith($"train: rows 0-100 of 101, merged: {Path.Combine(records, "record-train.safetensors")}\n"
            + $"dev: rows 0-36 of 37, merged: {Path.Combine(records, "record-dev.safetensors")}\n", merged.Out);

        var whole = Peakd(Record(records));
        Assert.True(whole.Exit == 0, whole.Error);
        Assert.Contains("train: rows 0-100 of 101, reused", whole.Out);
    }

    [Fact]
    public void The_apis_refusals_name_the_flags()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string records = folder.File("records");
        var outOfRange = Peakd([.. Record(records), "--shard", "2/2"]);
        Assert.Equal((1, "peakd record: --shard is 2/2, but the shards of 2 are numbered 0 to 1; give an index in that range.\n"), (outOfRange.Exit, outOfRange.Error));
        var notAShard = Peakd([.. Record(records), "--shard", "1of2"]);
        Assert.Equal("peakd record: --shard '1of2' is not i/n, such as 0/3 (shard 0 of 3; shards are numbered from 0).\n", notAShard.Error);
        var both = Peakd([.. Record(records), "--shard", "0/2", "--merge", "2"]);
        Assert.StartsWith("peakd record: --shard and --merge exclude each other", both.Error);

        Assert.Equal(0, Peakd([.. Record(records), "--shard", "0/2"]).Exit);
        var missing = Peakd([.. Record(records), "--merge", "2"]);
        Assert.Equal(1, missing.Exit);
        Assert.Equal($"peakd record: {Path.Combine(records, "record-train.shard-1-of-2.json")}: shard 1 of 2 of the train record is missing (or its .safetensors is). "
            + "Compute it with --shard 1/2, then merge again.\n", missing.Error);
    }
}
