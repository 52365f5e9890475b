using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Tests.Distillation;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Cli;

/// <summary>peakd record as real processes: two at once into one folder, and one killed mid-write.</summary>
[Collection(TrainingCollection.Name)]
[Trait(Speed.Trait, Speed.Slow)] // real processes, packing or a gigabyte read: not in the inner loop
public class RecordProcessTests(RecordTeacher fixture, Xunit.Abstractions.ITestOutputHelper log) : IClassFixture<RecordTeacher>
{
    private string[] Record(string records) =>
        ["record", "--task", "tsv", "--data", fixture.Data, "--teacher", fixture.Teacher, "--records", records, "--max-length", "16", "--device", "cpu"];

    [Fact]
    public async Task Two_processes_recording_into_one_folder_compute_each_split_once()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string records = folder.File("records");
        Task<(int Exit, string Output)> a = Task.Run(() => PeakdProcess.Run(Record(records)));
        Task<(int Exit, string Output)> b = Task.Run(() => PeakdProcess.Run(Record(records)));
        (int Exit, string Output)[] both = await Task.WhenAll(a, b);
        Assert.All(both, run => Assert.True(run.Exit == 0, run.Output));
        foreach ((int _, string output) in both)
        {
            log.WriteLine(string.Join(" | ", output.Split('\n').Where(l => l.Contains("teacher record", StringComparison.Ordinal) || l.Contains("rows", StringComparison.Ordinal))));
        }
        foreach (string split in new[] { "train", "dev" })
        {
            // the second writer waits for the first's lock and reuses its file (or finds it done): never two writers
            string line = split == "train" ? "train: rows 0-100 of 101, computed" : "dev: rows 0-36 of 37, computed";
            int computed = both.Count(run => run.Output.Contains(line, StringComparison.Ordinal));
            Assert.True(computed == 1, $"{split} computed {computed} times:\n{both[0].Output}\n---\n{both[1].Output}");
        }
        TeacherRecordResult again = TeacherRecords.Compute(Options(records));
        Assert.All(again.Splits, s => Assert.Equal(TeacherRecordOutcome.Reused, s.Outcome)); // intact: size and SHA-256 as recorded
    }

    [Fact]
    public void A_shard_killed_mid_write_leaves_no_file_a_merge_reads_and_its_rerun_completes_the_record()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string records = folder.File("records");
        var (killed, output) = PeakdProcess.RunKilledAt("record-train.shard-0-of-2.safetensors:mid", [.. Record(records), "--shard", "0/2"]);
        Assert.True(killed == PeakdProcess.Killed, $"expected a SIGKILL, got {killed}:\n{output}");
        Assert.False(File.Exists(Path.Combine(records, "record-train.shard-0-of-2.safetensors")));
        Assert.Single(Directory.GetFiles(records, ".record-train.shard-0-of-2.safetensors.*.tmp"));

        foreach (string[] step in new[] { new[] { "--shard", "0/2" }, ["--shard", "1/2"], ["--merge", "2"] })
        {
            var (exit, stepOutput) = PeakdProcess.Run([.. Record(records), .. step]);
            Assert.True(exit == 0, stepOutput);
        }
        Assert.Empty(Directory.GetFiles(records, "*.tmp")); // the rerun removed what the kill left, under the shard's lock
        TeacherRecords.Compute(Options(folder.File("whole")));
        Assert.Equal(File.ReadAllBytes(folder.File("whole/record-train.safetensors")), File.ReadAllBytes(Path.Combine(records, "record-train.safetensors")));
    }

    private TeacherRecordOptions Options(string records) => new()
    {
        Data = DataSource.Files(TaskRegistry.Tsv(), fixture.Data),
        Teacher = fixture.Teacher,
        RecordFolder = records,
        MaxLength = 16,
        Device = DeviceChoice.Cpu,
    };
}
