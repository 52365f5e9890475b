namespace PeaKd.Reporting.Analysis;

/// <summary>One row of the comparisons: the k it was measured at ("2", or "1, 2, 3" pooled), the effect, A's and B's
/// names, and the paired result in points.</summary>
/// <param name="K">The k compared ("1", or "1, 2, 3" for a row pooled over k).</param>
/// <param name="What">The effect (KD, patient, SPS, SPS + PTP, shuffle, PTP, init).</param>
/// <param name="A">The variant whose gain is measured.</param>
/// <param name="B">The variant it is measured against.</param>
/// <param name="Result">The paired difference A - B over seeds.</param>
/// <param name="Builds">The builds of the runs paired (<see cref="Records.RunSummary.Code"/>; null for runs that do not
/// record theirs), each once.</param>
internal sealed record Comparison(string K, string What, string A, string B, PairedComparison Result, IReadOnlyList<string?> Builds);

/// <summary>The paper's claims as paired differences over seeds, for each k and init: KD over FT and PKD over KD
/// (plain students), SPS over PKD (over KD at k = 1, where PKD is KD), SPS + PTP (PeaBERT) over the same baseline,
/// the shuffle (SPS - SPS without shuffle), PTP (PeaBERT - SPS, or any student with and without it), and the init
/// (pretrained - teacher) of each variant run both ways. In points of the split's first metric; 95% intervals from
/// the paired t over seeds. An effect measured at several k also gets a pooled row: each seed's difference averaged
/// over those k (seeds that ran them all), then the paired t over seeds, which averages out some of each seed's noise.</summary>
internal static class Effects
{
    /// <summary>The comparisons, per k and then pooled, in the table's order; <paramref name="metric"/> is the split's
    /// first metric they compare (null when no run has one).</summary>
    public static IReadOnlyList<Comparison> Compare(IReadOnlyList<RunInfo> runs, string split, out string? metric)
    {
        var groups = Variants.Group(runs, out _);
        metric = runs.SelectMany(r => r.Metrics(split).Keys).FirstOrDefault();
        if (metric is null)
        {
            return [];
        }
        string compared = metric; // an out parameter cannot be used in the local function below
        var rows = new List<EffectAtK>();
        void Compare(IReadOnlyList<RunInfo>? a, IReadOnlyList<RunInfo>? b, string what)
        {
            if (Pair(a, b, what, split, compared) is { } row)
            {
                rows.Add(row);
            }
        }
        IReadOnlyList<RunInfo>? Find(Func<RunInfo, bool> match) => groups.FirstOrDefault(g => match(g[0]));

        // the plain baseline of a shared student: the same loss, or KD at k = 1, where a plain student has no layer to match (PKD-1 is KD-1)
        IReadOnlyList<RunInfo>? PlainBaseline(RunInfo shared)
        {
            var plain = groups.Where(g => g[0].SameSetting(shared, StudentKeys) && g[0].Family == Family.Plain && g[0].Run.Ptp is null
                && g[0].Run.KdLoss!.Alpha == shared.Run.KdLoss!.Alpha && g[0].Run.KdLoss!.Temperature == shared.Run.KdLoss.Temperature).ToList();
            return plain.FirstOrDefault(g => g[0].Run.KdLoss!.Beta == shared.Run.KdLoss!.Beta)
                ?? (shared.Run.OwnedLayers == 1 ? plain.FirstOrDefault(g => g[0].Run.KdLoss!.Beta == 0) : null);
        }
        foreach (IReadOnlyList<RunInfo> group in groups.Where(g => g[0].Run.IsStudent && g[0].Run.Ptp is null))
        {
            RunInfo run = group[0];
            // every PTP setting run beside this student (a PTP study: its thresholds, epochs, rate) is a PTP effect of its own
            var withPtp = groups.Where(g => g[0].SameSetting(run, PtpKeys) && g[0].Family == run.Family && g[0].Run.Ptp is not null
                && g[0].Run.Model == run.Run.Model && g[0].Run.KdLoss == run.Run.KdLoss).ToList();
            foreach (IReadOnlyList<RunInfo> ptp in withPtp)
            {
                Compare(ptp, group, "PTP");
            }
            if (run.Family == Family.Sps)
            {
                Compare(group, PlainBaseline(run), "SPS");
                foreach (IReadOnlyList<RunInfo> ptp in withPtp)
                {
                    Compare(ptp, PlainBaseline(run), "SPS + PTP");
                }
                Compare(group, Find(r => r.SameSetting(run, StudentKeys) && r.Family == Family.SharedNoShuffle && r.Run.Ptp is null && r.Run.KdLoss == run.Run.KdLoss), "shuffle");
            }
            if (run.Family == Family.Plain && run.Run.KdLoss is { Beta: 0 } kd && kd.Alpha > 0)
            {
                // distillation itself (KD over the student fine-tuned alone), and the patient term (PKD over KD, same alpha and T)
                bool SamePlain(RunInfo r) => r.Family == Family.Plain && r.Run.Ptp is null && r.Run.Model == run.Run.Model && r.SameSetting(run, []);
                Compare(group, Find(r => SamePlain(r) && r.Run.KdLoss is { Alpha: 0, Beta: 0 }), "KD");
                foreach (var pkd in groups.Where(g => SamePlain(g[0]) && g[0].Run.KdLoss is { Beta: > 0 } other && other.Alpha == kd.Alpha && other.Temperature == kd.Temperature))
                {
                    Compare(pkd, group, "patient");
                }
            }
        }
        foreach (IReadOnlyList<RunInfo> group in groups.Where(g => g[0].Run.InitFrom == "pretrained"))
        {
            RunInfo run = group[0];
            Compare(group, Find(r => r.Run.InitFrom == "teacher" && r.Run.Model == run.Run.Model && r.Run.KdLoss == run.Run.KdLoss && r.SameSetting(run, InitKeys)), "init");
        }
        var comparisons = rows.OrderBy(r => r.A.Run.OwnedLayers).ThenBy(r => Array.IndexOf(Order, r.What))
            .Select(r => new Comparison($"{r.A.Run.OwnedLayers}", r.What, r.A.Variant, r.B.Variant, PairedComparison.Of(r.Pairs.Values.ToArray()), r.Builds))
            .ToList();
        comparisons.AddRange(Pooled(rows));
        return comparisons;
    }

    /// <summary>A against B over the seeds both ran with a finite score, or null when none did (or either is missing).</summary>
    private static EffectAtK? Pair(IReadOnlyList<RunInfo>? a, IReadOnlyList<RunInfo>? b, string what, string split, string metric)
    {
        if (a is null || b is null)
        {
            return null;
        }
        var joined = a.Where(r => r.Run.Seed is not null).Join(b, r => r.Run.Seed, r => r.Run.Seed, (x, y) =>
                (x.Run.Seed, A: 100 * x.Metrics(split).GetValueOrDefault(metric, double.NaN), B: 100 * y.Metrics(split).GetValueOrDefault(metric, double.NaN), Builds: new[] { x.Run.Code, y.Run.Code }))
            .Where(p => double.IsFinite(p.A) && double.IsFinite(p.B)).ToArray();
        return joined.Length == 0 ? null
            : new EffectAtK(a[0], b[0], what, joined.ToDictionary(p => p.Seed!.Value, p => (p.A, p.B)), joined.SelectMany(p => p.Builds).Distinct().ToArray());
    }

    /// <summary>The rows pooled over k: for each effect measured at several k, each seed's A and B averaged over those k.</summary>
    private static IEnumerable<Comparison> Pooled(IReadOnlyList<EffectAtK> rows)
    {
        // pooled by method, not by display name: a name carries a setting suffix only at the k where another setting shared it
        foreach (var pooled in rows.GroupBy(r => (r.What, A: EffectAtK.General(r.A), SettingA: r.A.SettingApartFrom(ApartFromK), SettingB: r.B.SettingApartFrom(ApartFromK)))
            .Where(g => g.Select(r => r.A.Run.OwnedLayers).Distinct().Count() > 1)
            .OrderBy(g => Array.IndexOf(Order, g.Key.What)))
        {
            var byK = pooled.OrderBy(r => r.A.Run.OwnedLayers).ToList();
            int[] seeds = byK.Select(r => r.Pairs.Keys).Aggregate((x, y) => x.Intersect(y)).Order().ToArray();
            if (seeds.Length == 0)
            {
                continue;
            }
            var means = seeds.Select(seed => (byK.Average(r => r.Pairs[seed].A), byK.Average(r => r.Pairs[seed].B))).ToArray();
            string[] b = byK.Select(r => EffectAtK.General(r.B)).Distinct().ToArray();
            yield return new Comparison(string.Join(", ", byK.Select(r => r.A.Run.OwnedLayers)), pooled.Key.What, EffectAtK.PooledName(byK.Select(r => r.A)),
                b.Length == 1 ? EffectAtK.PooledName(byK.Select(r => r.B)) : string.Join(", ", byK.Select(r => r.B.Variant)), PairedComparison.Of(means),
                byK.SelectMany(r => r.Builds).Distinct().ToArray());
        }
    }

    /// <summary>One effect at one k: A and B's first runs (for their names), each paired seed's (A, B) in points, and
    /// the builds of the runs paired.</summary>
    private sealed record EffectAtK(RunInfo A, RunInfo B, string What, IReadOnlyDictionary<int, (double A, double B)> Pairs, IReadOnlyList<string?> Builds)
    {
        /// <summary>A variant's name with its k written as k ("SPS-2 [from teacher]" -> "SPS-k [from teacher]"), to pool rows over k.</summary>
        public static string General(RunInfo run)
        {
            string k = $"-{run.Run.OwnedLayers}";
            int at = run.Method.IndexOf(k, StringComparison.Ordinal);
            return at < 0 ? run.Method : string.Concat(run.Method.AsSpan(0, at), "-k", run.Method.AsSpan(at + k.Length));
        }

        /// <summary>The pooled name of one method's runs over k, with the setting suffix any of them carries.</summary>
        public static string PooledName(IEnumerable<RunInfo> runs)
        {
            RunInfo[] all = runs.ToArray();
            string suffix = all.Select(r => r.Variant[r.Method.Length..]).FirstOrDefault(s => s.Length > 0) ?? "";
            return General(all[0]) + suffix;
        }
    }

    /// <summary>The effects in the table's order.</summary>
    private static readonly string[] Order = ["KD", "patient", "SPS", "SPS + PTP", "shuffle", "PTP", "init"];

    // What each effect changes in a run's options.json; two runs compared (or pooled over k) must agree on the rest:
    // rate, epochs, data, teacher, init (the loss weights are compared apart, as they name the variant).
    private static readonly string[] StudentKeys = ["student"];
    private static readonly string[] ApartFromK = ["student", "init_layers"]; // pooled over k: the layers a student starts from vary with k
    private static readonly string[] PtpKeys = ["ptp", "ptp_thresholds", "ptp_training"]; // PTP's own settings define the PTP variant
    private static readonly string[] InitKeys = ["init_from", "pretrained", "init_layers"];
}
