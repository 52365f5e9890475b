using System.Text.Json.Nodes;
using PeaKd.Bench;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Bench;

/// <summary>PeaKd.Bench on tiny shapes: every case kind runs and reports what summarize.py reads; it times nothing.</summary>
[Collection(TrainingCollection.Name)]
public class BenchTests
{
    private const string TinyCases = """
        {
          "vocab_size": 1200, "max_position_embeddings": 64, "num_labels": 2,
          "models": {
            "student": { "student": "PeaBert3", "layers": "0 1 2 0' 1' 2'", "hidden": 16, "heads": 2, "intermediate": 32 },
            "teacher": { "layers": "0 1 2 3", "hidden": 16, "heads": 2, "intermediate": 32 },
            "wrong": { "student": "PeaBert3", "layers": "0 1 2 0 1 2", "hidden": 16, "heads": 2, "intermediate": 32 }
          },
          "cases": {
            "train": { "kind": "train-step", "model": "student", "batch": 4, "sequence": 12, "warmup": 1, "steps": 3 },
            "infer": { "kind": "inference", "model": "teacher", "batch": 4, "sequence": 12, "warmup": 1, "steps": 2 },
            "kd-record": { "kind": "kd-epoch", "model": "student", "teacher": "teacher", "teacher_mode": "record", "batch": 4, "sequence": 12, "warmup": 1, "steps": 2 },
            "kd-live": { "kind": "kd-epoch", "model": "student", "teacher": "teacher", "teacher_mode": "live", "batch": 4, "sequence": 12, "warmup": 1, "steps": 2 },
            "memory": { "kind": "memory", "model": "student", "batch": 4, "sequence": 12, "warmup": 0, "steps": 60 },
            "mislabelled": { "kind": "train-step", "model": "wrong", "batch": 4, "sequence": 12, "warmup": 0, "steps": 1 }
          }
        }
        """;

    // The test host's thread count, so running the bench in process changes nothing for other tests.
    private static (int Exit, string Out, string Error) Bench(params string[] args) =>
        ConsoleCapture.Run(() => BenchCli.Run([.. args, "--threads", TorchSharp.torch.get_num_threads().ToString()]));

    private static JsonObject RunCase(TempFolder folder, string name)
    {
        string cases = folder.File("cases.json");
        File.WriteAllText(cases, TinyCases);
        var (exit, output, error) = Bench("case", name, "--cases", cases);
        Assert.True(exit == 0, error);
        return JsonNode.Parse(output.Trim())!.AsObject();
    }

    [Theory]
    [InlineData("train", 3)]
    [InlineData("infer", 2)]
    [InlineData("kd-record", 2)]
    [InlineData("kd-live", 2)]
    public void Each_case_kind_reports_its_timed_steps_without_the_warmup(string name, int timedSteps)
    {
        using var folder = TestFiles.TempFolder();
        JsonObject line = RunCase(folder, name);

        Assert.Equal(name, (string?)line["case"]);
        Assert.Equal(4, (int)line["examples_per_step"]!);
        double[] seconds = line["step_seconds"]!.AsArray().Select(s => (double)s!).ToArray();
        Assert.Equal(timedSteps, seconds.Length);
        Assert.All(seconds, s => Assert.True(s > 0));
        Assert.Equal(name == "kd-record", line.ContainsKey("record_seconds"));
        if (name.StartsWith("kd", StringComparison.Ordinal))
        {
            // 6 effective student layers against 4 teacher layers: round((i + 1) * 4 / 6) - 1 for i = 0..4
            Assert.Equal("0->0, 1->0, 2->1, 3->2, 4->2", (string?)line["patient_map"]);
        }
    }

    [Fact]
    public void The_memory_case_shows_no_tensor_left_alive_by_the_training_loop()
    {
        using var folder = TestFiles.TempFolder();
        JsonObject line = RunCase(folder, "memory");

        JsonArray samples = line["samples"]!.AsArray();
        Assert.Equal([1L, 10L, 50L], samples.Select(s => (long)s!["step"]!));
        long[] live = samples.Select(s => (long)s!["live_tensors"]!).ToArray();
        Assert.All(live, count => Assert.Equal(live[0], count));
        Assert.True((double)line["peak_rss_mib"]! > 0);
    }

    [Fact]
    public void A_model_whose_layer_text_is_not_the_students_plan_is_refused()
    {
        using var folder = TestFiles.TempFolder();
        string cases = folder.File("cases.json");
        File.WriteAllText(cases, TinyCases);

        var (exit, _, error) = Bench("case", "mislabelled", "--cases", cases);

        Assert.Equal(1, exit);
        Assert.Contains("model 'wrong': student PeaBert3 runs \"0 1 2 0' 1' 2'\", but cases.json says \"0 1 2 0 1 2\"", error);
    }

    [Fact]
    public void The_generator_measurement_finds_every_output_cached_after_an_unrelated_edit()
    {
        var (exit, output, error) = Bench("generator", "--students", "12", "--repetitions", "2");
        Assert.True(exit == 0, error);
        JsonObject line = JsonNode.Parse(output.Trim())!.AsObject();

        Assert.Equal(13, (int)line["generated_files"]!); // 12 students and the catalog
        Assert.Equal(0, (int)line["diagnostics"]!);
        Assert.True((int)line["outputs_after_unrelated_edit"]! > 0);
        Assert.Equal((int)line["outputs_after_unrelated_edit"]!, (int)line["outputs_cached"]!);
    }
}
