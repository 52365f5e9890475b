using System.Text.Json.Nodes;

namespace PeaKd.Training;

/// <summary>
/// The steps that one metrics.jsonl line averages: the running sums of their loss terms. The loop flushes a window at
/// every checkpoint too, so a window never spans one and a resumed run logs exactly the lines an uninterrupted one does
/// (no timing in them either: that is in the stage's result).
/// </summary>
internal sealed class MetricsWindow(string stage, MetricsLog log)
{
    private readonly Dictionary<string, double> _sums = new();
    private int _steps;

    /// <summary>True when no step was added since the last flush.</summary>
    public bool IsEmpty => _steps == 0;

    /// <summary>Adds one step's loss terms.</summary>
    public void Add(IReadOnlyDictionary<string, double> terms)
    {
        _steps++;
        foreach ((string name, double value) in terms)
        {
            _sums[name] = _sums.GetValueOrDefault(name) + value;
        }
    }

    /// <summary>Logs the window's mean loss terms as of <paramref name="step"/> and starts a new window.</summary>
    /// <param name="step">Steps done in the stage.</param>
    /// <param name="epoch">Epochs done, fractional.</param>
    /// <param name="learningRate">The rate of the window's last step.</param>
    public void Flush(long step, double epoch, double learningRate)
    {
        var entry = new JsonObject { ["stage"] = stage, ["step"] = step, ["epoch"] = epoch };
        foreach ((string name, double sum) in _sums)
        {
            entry[name] = sum / _steps;
        }
        entry["lr"] = learningRate;
        log.Write(entry);
        _sums.Clear();
        _steps = 0;
    }
}
