using PeaKd.Reporting.Analysis;
using PeaKd.Sweeps;

namespace PeaKd.Reporting.Sweeps;

/// <summary>The settings measured on one CPU model and the front among them: dev metric against int8 latency.</summary>
/// <param name="CpuModel">The CPU model the latencies were measured on.</param>
/// <param name="Measured">The settings with a latency on it.</param>
/// <param name="Members">The front, fastest first.</param>
internal sealed record LatencyFront(string CpuModel, IReadOnlyList<SweepSetting> Measured, IReadOnlyList<SweepSetting> Members);

/// <summary>The best setting within the budget, and why each other setting is not within it.</summary>
/// <param name="CpuModel">The CPU whose latencies the pick judged: one pick per model when a latency limit meets
/// several models; null when no latency was judged or compared.</param>
/// <param name="Best">The chosen setting; null when nothing meets the budget.</param>
/// <param name="Over">The settings over the budget, each with the first limit it breaks.</param>
internal sealed record BudgetPick(string? CpuModel, SweepSetting? Best, IReadOnlyList<(SweepSetting Setting, string Why)> Over);

/// <summary>The chosen setting (A) against another front member (B), paired by seed.</summary>
internal sealed record FrontComparison(SweepSetting Best, SweepSetting Other, PairedComparison Result);

/// <summary>The sweep report's judgements: the fronts, the pick within the budget, and the paired comparisons.</summary>
internal static class SweepRanking
{
    /// <summary>The settings no other setting beats on dev mean and owned parameters, fewest parameters first.</summary>
    public static IReadOnlyList<SweepSetting> ParametersFront(IReadOnlyList<SweepSetting> settings) =>
        Members(settings, ParetoFront.Of(settings.Select(s => new ParetoPoint(s.Name, s.Dev.Mean, s.OwnedParameters))));

    /// <summary>One front per CPU model, of dev mean against that model's latency; parameters play no part (every
    /// point gets the same count).</summary>
    public static IReadOnlyList<LatencyFront> LatencyFronts(IReadOnlyList<SweepSetting> settings) =>
        CpuModels(settings).Select(cpu =>
        {
            SweepSetting[] measured = settings.Where(s => s.LatencyByCpu.ContainsKey(cpu)).ToArray();
            var front = ParetoFront.Of(measured.Select(s => new ParetoPoint(s.Name, s.Dev.Mean, 0, s.LatencyByCpu[cpu])));
            return new LatencyFront(cpu, measured, Members(measured, front).OrderBy(s => s.LatencyByCpu[cpu]).ThenByDescending(s => s.Dev.Mean).ToArray());
        }).ToArray();

    /// <summary>Every CPU model some setting's latency was measured on, in ordinal order.</summary>
    public static string[] CpuModels(IReadOnlyList<SweepSetting> settings) =>
        settings.SelectMany(s => s.LatencyByCpu.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The best setting within <paramref name="budget"/>: the highest dev mean, then fewer parameters, then
    /// lower latency (on the pick's CPU model), then the name. A latency limit with latencies from several CPU models
    /// picks once per model, each model's latencies against the limit.</summary>
    public static IReadOnlyList<BudgetPick> Picks(IReadOnlyList<SweepSetting> settings, SweepBudget budget)
    {
        string[] models = CpuModels(settings);
        string? only = models.Length == 1 ? models[0] : null; // one model: its latencies break ties; several: none do
        IEnumerable<string?> judged = budget.MaxInt8LatencyMilliseconds is not null && models.Length > 1 ? models : new[] { only };
        return judged.Select(cpu =>
        {
            var why = settings.Select(s => (Setting: s, Why: OverBudget(s, budget, cpu))).ToArray();
            SweepSetting? best = why.Where(w => w.Why is null).Select(w => w.Setting)
                .OrderByDescending(s => s.Dev.Mean).ThenBy(s => s.OwnedParameters)
                .ThenBy(s => cpu is not null && s.LatencyByCpu.TryGetValue(cpu, out double ms) ? ms : double.PositiveInfinity)
                .ThenBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault();
            return new BudgetPick(cpu, best, why.Where(w => w.Why is not null).Select(w => (w.Setting, w.Why!)).ToArray());
        }).ToArray();
    }

    /// <summary>The first limit of <paramref name="budget"/> that <paramref name="setting"/> breaks, or null when it is
    /// within every one. A limit on what was not measured is not met: an unknown cost is not a small one.</summary>
    public static string? OverBudget(SweepSetting setting, SweepBudget budget, string? cpu)
    {
        if (!budget.Admits(setting.OwnedParameters))
        {
            return $"owns {setting.OwnedParameters:N0} parameters, more than {budget.MaxOwnedParameters:N0}";
        }
        if (budget.MaxInt8FileBytes is not null && setting.Int8FileBytes is null)
        {
            return "its int8 file was not measured";
        }
        if (budget.MaxInt8FileBytes is long most && setting.Int8FileBytes > most)
        {
            return $"its int8 file is {setting.Int8FileBytes:N0} bytes, more than {most:N0}";
        }
        if (budget.MaxInt8LatencyMilliseconds is double limit)
        {
            if (cpu is null || !setting.LatencyByCpu.TryGetValue(cpu, out double ms))
            {
                return cpu is null ? "its int8 latency was not measured" : $"its int8 latency was not measured on {cpu}";
            }
            if (ms > limit)
            {
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"its int8 latency is {ms:F2} ms on {cpu}, more than {limit}");
            }
        }
        return null;
    }

    /// <summary><paramref name="best"/> against each other setting of <paramref name="members"/> on
    /// <paramref name="split"/>'s <paramref name="metric"/> (points), over the seeds both ran; a pair without a shared
    /// seed is left out.</summary>
    public static IReadOnlyList<FrontComparison> Compare(SweepSetting best, IEnumerable<SweepSetting> members, string split, string metric)
    {
        var rows = new List<FrontComparison>();
        foreach (SweepSetting other in members.DistinctBy(m => m.Name).Where(m => m.Name != best.Name))
        {
            var pairs = best.BySeed.Keys.Intersect(other.BySeed.Keys).Order()
                .Select(seed => (A: SweepSetting.Points(best.BySeed[seed], split, metric), B: SweepSetting.Points(other.BySeed[seed], split, metric)))
                .Where(p => double.IsFinite(p.A) && double.IsFinite(p.B)).ToArray();
            if (pairs.Length > 0)
            {
                rows.Add(new FrontComparison(best, other, PairedComparison.Of(pairs)));
            }
        }
        return rows;
    }

    private static SweepSetting[] Members(IReadOnlyList<SweepSetting> settings, IReadOnlyList<ParetoPoint> front) =>
        front.Select(p => settings.First(s => s.Name == p.Id)).ToArray();
}
