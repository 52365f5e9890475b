using System.Globalization;
using PeaKd.Distillation;
using PeaKd.Reporting.Records;

namespace PeaKd.Reporting.Analysis;

/// <summary>How a student uses its layers.</summary>
internal enum Family
{
    /// <summary>A teacher's fine-tuning.</summary>
    Teacher,
    /// <summary>Every layer owned once (BERT-k).</summary>
    Plain,
    /// <summary>Shared layers with Query and Key exchanged (SPS, PeaBERT).</summary>
    Sps,
    /// <summary>Paired sharing without the shuffle (the ablation).</summary>
    SharedNoShuffle,
    /// <summary>Any other sharing (ALBERT-style).</summary>
    Other,
}

/// <summary>What the report shows of a run: its summary and the method it names (the variant: runs that differ only
/// in the seed share it).</summary>
internal sealed record RunInfo(RunSummary Run, string Variant, Family Family, int Order)
{
    /// <summary>The method's name (<see cref="Variant"/> before a suffix that tells settings apart).</summary>
    public string Method { get; init; } = Variant;

    public string Folder => Run.Folder;
    public long Parameters => Run.Parameters;
    public IReadOnlyList<MetricsEntry> Log => Run.Log;

    /// <summary>The run's metrics on <paramref name="split"/> by name, in the task's order (empty when it has none).</summary>
    public IReadOnlyDictionary<string, double> Metrics(string split) => Run.MetricsOf(split).ByName;

    /// <summary>The best dev <paramref name="metric"/> over every check of the run's last stage, from its log: the measure
    /// the Pea-KD authors report, which selects on the data it scores (optimistic by construction). NaN without checks.</summary>
    public double BestDevOverChecks(string metric)
    {
        MetricsEntry[] checks = Log.Where(e => e.Split == "dev").ToArray();
        if (checks.Length == 0)
        {
            return double.NaN;
        }
        string last = checks[^1].Stage;
        double[] values = checks.Where(e => e.Stage == last && e.Values.ContainsKey($"dev_{metric}")).Select(e => e.Values[$"dev_{metric}"]).ToArray();
        return values.Length == 0 ? double.NaN : values.Max();
    }

    /// <summary>The same size, and options that agree but for <paramref name="apart"/> (what the compared effect
    /// changes), so that only the method differs: never a run at one rate against another at a different rate.</summary>
    public bool SameSetting(RunInfo other, string[] apart) =>
        Run.OwnedLayers == other.Run.OwnedLayers && SettingApartFrom(apart) == other.SettingApartFrom(apart);

    /// <summary>The run's setting (<see cref="RunSummary.Setting"/>) without <paramref name="keys"/>.</summary>
    public string SettingApartFrom(string[] keys)
    {
        var setting = System.Text.Json.Nodes.JsonNode.Parse(Run.Setting)!.AsObject();
        foreach (string key in keys)
        {
            setting.Remove(key);
        }
        return setting.ToJsonString();
    }

    /// <summary>Names the method as the paper does: FT-k, KD-k, PKD-k for plain students (by the loss the run used: a
    /// 1-layer plain student has no layer to match, so its "PKD" is KD), SPS-k and PeaBERT-k (SPS + PTP), SPS-noshuffle-k;
    /// non-preset loss weights and a start from the teacher are spelled out.</summary>
    public static RunInfo From(RunSummary run)
    {
        if (run.KdLoss is not { } kd)
        {
            return new RunInfo(run, "teacher", Family.Teacher, 0);
        }
        int k = run.OwnedLayers;
        string method = kd.Alpha == 0 && kd.Beta == 0 ? "FT" : kd.Beta == 0 ? "KD" : "PKD";
        bool shared = run.EffectiveDepth != k;
        bool shuffled = run.Plan?.Contains('\'') == true;
        Family family = !shared ? Family.Plain : shuffled ? Family.Sps : run.EffectiveDepth == 2 * k ? Family.SharedNoShuffle : Family.Other;
        bool ptp = run.Ptp is not null;
        string lossNote = family == Family.Plain || method == "PKD" ? "" : $" ({method})";
        (string name, int order) = family switch
        {
            Family.Plain => ($"{method}-{k}{(ptp ? "+PTP" : "")}", method switch { "FT" => 0, "KD" => 1, _ => 2 }),
            Family.Sps => (ptp ? $"PeaBERT-{k}{lossNote}" : $"SPS-{k}{lossNote}", ptp ? 5 : 4),
            Family.SharedNoShuffle => ($"SPS-noshuffle-{k}{(ptp ? "+PTP" : "")}{lossNote}", 3),
            _ => ($"{run.Model}{(ptp ? "+PTP" : "")} ({method})", 6),
        };
        if (!KdSettings.Presets.Values.Any(preset => SameLoss(preset, kd)))
        {
            name += string.Create(CultureInfo.InvariantCulture, $" a{kd.Alpha} T{kd.Temperature} b{kd.Beta}");
        }
        if (run.InitFrom == "teacher")
        {
            name += " [from teacher]";
        }
        return new RunInfo(run, name, family, order);
    }

    /// <summary>Whether <paramref name="kd"/> is the loss of <paramref name="preset"/>: the same weights, and the same
    /// temperature where there is a soft term for it to act on (alpha 0 is fine-tuning at any T).</summary>
    private static bool SameLoss(KdSettings preset, KdSettings kd) =>
        preset.Alpha == kd.Alpha && preset.Beta == kd.Beta && (kd.Alpha == 0 || preset.Temperature == kd.Temperature);
}
