using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeaKd.Bench;

/// <summary>One benchmark run's figures, printed as a single JSON line that bench/summarize.py reads.</summary>
internal sealed class Measurement(string caseName, int threads)
{
    // mkl_fast_path: whether PeaKd answered MKL's vendor check in this process (PeaKd.Native.MklFastPath), so a summary
    // can tell the two paths apart.
    private readonly JsonObject _json = new()
    {
        ["runtime"] = "peakd", ["case"] = caseName, ["threads"] = threads, ["mkl_fast_path"] = PeaKd.Native.MklFastPath.State.ToString(),
    };

    public JsonNode? this[string key]
    {
        set => _json[key] = value;
    }

    /// <summary>Times <paramref name="step"/> <paramref name="warmup"/> + <paramref name="steps"/> times; keeps the
    /// timed steps' seconds (warm-up excluded) under "step_seconds", with <paramref name="examplesPerStep"/>.</summary>
    public void TimeSteps(int warmup, int steps, int examplesPerStep, Action<int> step)
    {
        var seconds = new JsonArray();
        for (int i = 0; i < warmup + steps; i++)
        {
            var clock = Stopwatch.StartNew();
            step(i);
            if (i >= warmup)
            {
                seconds.Add(clock.Elapsed.TotalSeconds);
            }
        }
        _json["examples_per_step"] = examplesPerStep;
        _json["step_seconds"] = seconds;
    }

    public void Print() => Console.WriteLine(_json.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
}
