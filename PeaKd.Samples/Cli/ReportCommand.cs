using System.CommandLine;
using System.Globalization;
using System.Text;
using PeaKd.Reporting;
using PeaKd.Runs;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd report</c>: charts (training loss and dev metric per run, metric against parameter count, the
/// paired differences with their intervals), a markdown table over every run folder under --runs (runs that differ
/// only in --seed are averaged), the paired comparisons the paper's claims rest on, and what PTP learned.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Option<string[]>("--runs")
        {
            Description = "Folders searched for run folders (with summary.json): --runs grid ptp-study pairs runs across them.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out") { Description = "Where the charts (PNG) and results.md go.", Required = true };
        var split = new Option<string>("--split") { Description = "The split whose metric the tables and the parameter chart use.", DefaultValueFactory = _ => "test" };
        var command = new Command("report", "Charts, a results table, paired comparisons over seeds and PTP's learnability, over finished runs.") { runs, output, split };
        command.SetAction(parse => CommandRunner.Run("report", FlagNames.None, () =>
        {
            var found = new List<RunInfo>();
            // a folder given twice, inside another one given, or reached through a link to one, counts its runs once
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string root in parse.GetValue(runs)!)
            {
                IReadOnlyList<RunSummary> inRoot = RunSummary.FindAll(root);
                if (inRoot.Count == 0)
                {
                    throw new ArgumentException($"{root}: no finished run (summary.json) found.");
                }
                found.AddRange(inRoot.Where(r => seen.Add(PeaKd.IO.FolderPaths.Real(r.Folder))).Select(RunInfo.From));
            }
            CheckOneF1(found);
            string chosen = parse.GetValue(split)!;
            string[] splits = found.SelectMany(r => r.Run.Metrics.Where(m => m.Value.Count > 0).Select(m => m.Key)).Distinct().Order(StringComparer.Ordinal).ToArray();
            if (!splits.Contains(chosen))
            {
                throw new ArgumentException(splits.Length == 0
                    ? $"--split '{chosen}': no run under --runs has metrics for any split; finished runs record their dev (and labelled test) metrics in summary.json."
                    : $"--split '{chosen}': no run under --runs has metrics for it; they have metrics for {string.Join(", ", splits)}.");
            }
            string outFolder = parse.GetValue(output)!;
            Directory.CreateDirectory(outFolder);
            IReadOnlyList<Comparison> comparisons = Comparisons(found, chosen, out string? metric);
            Charts.Write(found, outFolder, chosen, comparisons, $"{chosen} {metric}");
            string report = Report(found, chosen, comparisons, metric);
            string results = Path.Combine(outFolder, "results.md");
            File.WriteAllText(results + ".tmp", report); // a report being rewritten is never half there
            File.Move(results + ".tmp", results, overwrite: true);
            Console.WriteLine(report);
            Console.WriteLine($"wrote loss.png, dev-metric.png, metric-vs-parameters.png, paired-differences.png (when runs pair up) and results.md to {outFolder}");
        }));
        return command;
    }

    /// <summary>F1 of different classes is not one metric: runs of one setting whose summaries name different positive
    /// labels are refused; runs from before the label was recorded cannot be checked, and a setting mixing them with
    /// runs that record one is said on stderr.</summary>
    private static void CheckOneF1(IReadOnlyList<RunInfo> runs)
    {
        foreach (IGrouping<string, RunInfo> setting in runs.Where(r => r.Run.Metrics.Values.Any(m => m.ContainsKey("f1"))).GroupBy(r => r.Run.Setting))
        {
            string[] known = setting.Select(r => r.Run.PositiveLabel).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (known.Length > 1)
            {
                throw new ArgumentException($"runs of one setting score F1 of different classes ({string.Join(", ", known.Select(p => $"'{p}' in {setting.First(r => r.Run.PositiveLabel == p).Run.Folder}"))}); report them apart, or run them again with one --positive-label.");
            }
            if (known.Length == 1 && setting.FirstOrDefault(r => r.Run.PositiveLabel is null) is RunInfo older)
            {
                Console.Error.WriteLine($"note: {older.Run.Folder} and others of its setting do not record which class their F1 scores (older runs: train's second label); it is taken to be '{known[0]}', as the setting's other runs record.");
            }
        }
    }

    /// <summary>results.md: the results table, the paired comparisons and the PTP table (each only when it has rows).</summary>
    internal static string Report(IReadOnlyList<RunInfo> runs, string split, IReadOnlyList<Comparison> comparisons, string? metric)
    {
        var text = new StringBuilder(ResultsTable(runs, split));
        string table = ComparisonTable(comparisons, split, metric);
        if (table.Length > 0)
        {
            text.Append('\n').Append(table);
        }
        string ptp = PtpTable(runs);
        if (ptp.Length > 0)
        {
            text.Append('\n').Append(ptp);
        }
        return text.ToString();
    }

    /// <summary>One row per variant (runs equal but for the seed): mean and standard deviation of each metric, and the
    /// fastest seed's train time (the run least slowed by whatever else shared the machine, as benchmarks take the
    /// minimum). A seed run twice under one variant (a "PKD-1" run is KD-1) counts once, and a note says so.</summary>
    internal static string ResultsTable(IReadOnlyList<RunInfo> runs, string split)
    {
        var text = new StringBuilder();
        var groups = Variants(runs, out IReadOnlyList<string> notes);
        string[] metrics = runs.SelectMany(r => r.Metrics(split).Keys).Distinct().ToArray();
        text.Append($"| variant | student | parameters | depth | init | seeds | {string.Join(" | ", metrics.Select(m => $"{split} {m}"))} | train time (s, fastest seed) |\n");
        text.Append($"|---|---|---:|---:|---|---:|{string.Concat(metrics.Select(_ => "---:|"))}---:|\n");
        foreach (IReadOnlyList<RunInfo> group in groups)
        {
            RunInfo first = group[0];
            string cells = string.Join(" | ", metrics.Select(m =>
            {
                double[] values = group.Select(r => r.Metrics(split).GetValueOrDefault(m, double.NaN)).Where(double.IsFinite).ToArray();
                return values.Length == 0 ? "" : $"{100 * values.Average():F2} ± {100 * StandardDeviation(values):F2}";
            }));
            text.Append(CultureInfo.InvariantCulture,
                $"| {first.Variant} | {first.Run.Model} | {first.Run.Parameters:N0} | {first.Run.EffectiveDepth} | {first.Run.InitFrom ?? ""} | {group.Count} | {cells} | {group.Min(r => r.Run.TrainingSeconds):F0} |\n");
        }
        foreach (string note in notes)
        {
            text.Append('\n').Append(note).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The paper's claims as paired differences over seeds, for each k and init: KD over FT and PKD over KD
    /// (plain students), SPS over PKD (over KD at k = 1, where PKD is KD), SPS + PTP (PeaBERT) over the same baseline,
    /// the shuffle (SPS - SPS without shuffle), PTP (PeaBERT - SPS, or any student with and without it), and the init
    /// (pretrained - teacher) of each variant run both ways. In points of the split's first metric; 95% intervals from
    /// the paired t over seeds. An effect measured at several k also gets a pooled row: each seed's difference averaged
    /// over those k (seeds that ran them all), then the paired t over seeds, which averages out some of each seed's noise.</summary>
    internal static string ComparisonTable(IReadOnlyList<RunInfo> runs, string split) =>
        ComparisonTable(Comparisons(runs, split, out string? metric), split, metric);

    /// <summary>The rows of <see cref="Comparisons"/> as results.md's table.</summary>
    private static string ComparisonTable(IReadOnlyList<Comparison> comparisons, string split, string? metric)
    {
        if (comparisons.Count == 0)
        {
            return "";
        }
        var text = new StringBuilder();
        text.Append($"Paired differences in {split} {metric} (points; A - B over the seeds both ran; 95% interval from the paired t over seeds; ");
        text.Append("a row over several k pools them: each seed's A - B averaged over those k, for the seeds that ran every one):\n\n");
        text.Append("| k | effect | A | B | seeds | mean A - B | 95% interval | A better / equal / worse |\n|---:|---|---|---|---:|---:|---|---|\n");
        foreach (Comparison row in comparisons)
        {
            PairedComparison result = row.Result;
            string interval = result.Pairs < 2 ? "n/a (one seed)" : string.Create(CultureInfo.InvariantCulture, $"[{result.Low:+0.00;-0.00}, {result.High:+0.00;-0.00}]{(result.Resolved ? "" : " (includes 0)")}");
            text.Append(CultureInfo.InvariantCulture,
                $"| {row.K} | {row.What} | {row.A} | {row.B} | {result.Pairs} | {result.MeanDifference:+0.00;-0.00} | {interval} | {result.Wins} / {result.Ties} / {result.Losses} |\n");
        }
        return text.ToString();
    }

    /// <summary>One row of the comparisons: the k it was measured at ("2", or "1, 2, 3" pooled), the effect, A's and
    /// B's names, and the paired result in points.</summary>
    internal sealed record Comparison(string K, string What, string A, string B, PairedComparison Result);

    /// <summary>The rows of <see cref="ComparisonTable"/>, per k and then pooled, in the table's order; <paramref name="metric"/>
    /// is the split's first metric they compare (null when no run has one).</summary>
    internal static IReadOnlyList<Comparison> Comparisons(IReadOnlyList<RunInfo> runs, string split, out string? metric)
    {
        var groups = Variants(runs, out _);
        metric = runs.SelectMany(r => r.Metrics(split).Keys).FirstOrDefault();
        if (metric is null)
        {
            return [];
        }
        string compared = metric; // an out parameter cannot be used in the local function below
        var rows = new List<EffectAtK>();
        void Compare(IReadOnlyList<RunInfo>? a, IReadOnlyList<RunInfo>? b, string what)
        {
            if (a is null || b is null)
            {
                return;
            }
            var pairs = a.Where(r => r.Run.Seed is not null).Join(b, r => r.Run.Seed, r => r.Run.Seed, (x, y) => (x.Run.Seed, A: 100 * x.Metrics(split).GetValueOrDefault(compared, double.NaN), B: 100 * y.Metrics(split).GetValueOrDefault(compared, double.NaN)))
                .Where(p => double.IsFinite(p.A) && double.IsFinite(p.B)).ToDictionary(p => p.Seed!.Value, p => (p.A, p.B));
            if (pairs.Count > 0)
            {
                rows.Add(new EffectAtK(a[0], b[0], what, pairs));
            }
        }
        IReadOnlyList<RunInfo>? Find(Func<RunInfo, bool> match) => groups.FirstOrDefault(g => match(g[0]));

        // the plain baseline of a shared student: the same loss, or KD at k = 1, where a plain student has no layer to match (PKD-1 is KD-1)
        IReadOnlyList<RunInfo>? PlainBaseline(RunInfo shared)
        {
            var plain = groups.Where(g => g[0].SameSetting(shared, StudentKeys) && g[0].Family == Family.Plain && g[0].Run.Ptp is null
                && g[0].Run.Kd!.Alpha == shared.Run.Kd!.Alpha && g[0].Run.Kd!.Temperature == shared.Run.Kd.Temperature).ToList();
            return plain.FirstOrDefault(g => g[0].Run.Kd!.Beta == shared.Run.Kd!.Beta)
                ?? (shared.Run.OwnedLayers == 1 ? plain.FirstOrDefault(g => g[0].Run.Kd!.Beta == 0) : null);
        }
        foreach (IReadOnlyList<RunInfo> group in groups.Where(g => g[0].Run.IsStudent && g[0].Run.Ptp is null))
        {
            RunInfo run = group[0];
            // every PTP setting run beside this student (a PTP study: its thresholds, epochs, rate) is a PTP effect of its own
            var withPtp = groups.Where(g => g[0].SameSetting(run, PtpKeys) && g[0].Family == run.Family && g[0].Run.Ptp is not null
                && g[0].Run.Model == run.Run.Model && g[0].Run.Kd == run.Run.Kd).ToList();
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
                Compare(group, Find(r => r.SameSetting(run, StudentKeys) && r.Family == Family.SharedNoShuffle && r.Run.Ptp is null && r.Run.Kd == run.Run.Kd), "shuffle");
            }
            if (run.Family == Family.Plain && run.Run.Kd is { Beta: 0 } kd && kd.Alpha > 0)
            {
                // distillation itself (KD over the student fine-tuned alone), and the patient term (PKD over KD, same alpha and T)
                bool SamePlain(RunInfo r) => r.Family == Family.Plain && r.Run.Ptp is null && r.Run.Model == run.Run.Model && r.SameSetting(run, []);
                Compare(group, Find(r => SamePlain(r) && r.Run.Kd is { Alpha: 0, Beta: 0 }), "KD");
                foreach (var pkd in groups.Where(g => SamePlain(g[0]) && g[0].Run.Kd is { Beta: > 0 } other && other.Alpha == kd.Alpha && other.Temperature == kd.Temperature))
                {
                    Compare(pkd, group, "patient");
                }
            }
        }
        foreach (IReadOnlyList<RunInfo> group in groups.Where(g => g[0].Run.InitFrom == "pretrained"))
        {
            RunInfo run = group[0];
            Compare(group, Find(r => r.Run.InitFrom == "teacher" && r.Run.Model == run.Run.Model && r.Run.Kd == run.Run.Kd && r.SameSetting(run, InitKeys)), "init");
        }
        var comparisons = rows.OrderBy(r => r.A.Run.OwnedLayers).ThenBy(r => Array.IndexOf(Effects, r.What))
            .Select(r => new Comparison($"{r.A.Run.OwnedLayers}", r.What, r.A.Variant, r.B.Variant, PairedComparison.Of(r.Pairs.Values.ToArray())))
            .ToList();
        // pooled by method, not by display name: a name carries a setting suffix only at the k where another setting shared it
        foreach (var pooled in rows.GroupBy(r => (r.What, A: EffectAtK.General(r.A), SettingA: r.A.SettingApartFrom(ApartFromK), SettingB: r.B.SettingApartFrom(ApartFromK)))
            .Where(g => g.Select(r => r.A.Run.OwnedLayers).Distinct().Count() > 1)
            .OrderBy(g => Array.IndexOf(Effects, g.Key.What)))
        {
            var byK = pooled.OrderBy(r => r.A.Run.OwnedLayers).ToList();
            int[] seeds = byK.Select(r => r.Pairs.Keys).Aggregate((x, y) => x.Intersect(y)).Order().ToArray();
            if (seeds.Length == 0)
            {
                continue;
            }
            var means = seeds.Select(seed => (byK.Average(r => r.Pairs[seed].A), byK.Average(r => r.Pairs[seed].B))).ToArray();
            string[] b = byK.Select(r => EffectAtK.General(r.B)).Distinct().ToArray();
            comparisons.Add(new Comparison(string.Join(", ", byK.Select(r => r.A.Run.OwnedLayers)), pooled.Key.What, EffectAtK.PooledName(byK.Select(r => r.A)),
                b.Length == 1 ? EffectAtK.PooledName(byK.Select(r => r.B)) : string.Join(", ", byK.Select(r => r.B.Variant)), PairedComparison.Of(means)));
        }
        return comparisons;
    }

    /// <summary>One effect at one k: A and B's first runs (for their names) and each paired seed's (A, B) in points.</summary>
    private sealed record EffectAtK(RunInfo A, RunInfo B, string What, IReadOnlyDictionary<int, (double A, double B)> Pairs)
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

    private static readonly string[] Effects = ["KD", "patient", "SPS", "SPS + PTP", "shuffle", "PTP", "init"];

    // What each effect changes in a run's options.json; two runs compared (or pooled over k) must agree on the rest:
    // rate, epochs, data, teacher, init (the loss weights are compared apart, as they name the variant).
    private static readonly string[] StudentKeys = ["student"];
    private static readonly string[] ApartFromK = ["student", "init_layers"]; // pooled over k: the layers a student starts from vary with k
    private static readonly string[] PtpKeys = ["ptp", "ptp_thresholds", "ptp_training"]; // PTP's own settings define the PTP variant
    private static readonly string[] InitKeys = ["init_from", "pretrained", "init_layers"];

    /// <summary>PTP's learnability per variant: thresholds, labels, and the kept encoder's dev loss (mean and range over
    /// seeds) against predicting train's label frequencies alone (a loss not below it: PTP taught nothing beyond the
    /// frequencies) and against dev's own label entropy (the best any predictor blind to the example can do on dev).</summary>
    internal static string PtpTable(IReadOnlyList<RunInfo> runs)
    {
        var groups = Variants(runs, out _).Where(g => g[0].Run.Ptp is not null).ToList();
        if (groups.Count == 0)
        {
            return "";
        }
        var text = new StringBuilder("PTP (means over seeds, and the best dev loss's range; losses in nats on dev's PTP labels):\n\n");
        text.Append("| variant | seeds | t1 | t2 | train labels (RC / RU / WC / WU) | best dev loss | range over seeds | train frequencies' dev loss | dev label entropy | below train frequencies (seeds) | below dev entropy (seeds) |\n");
        text.Append("|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|\n");
        foreach (var group in groups)
        {
            PtpOutcome[] ptp = group.Select(r => r.Run.Ptp!).ToArray();
            string counts = string.Join(" / ", Enumerable.Range(0, ptp.Max(p => p.TrainLabelCounts.Count)).Select(c => ptp.Average(p => c < p.TrainLabelCounts.Count ? p.TrainLabelCounts[c] : 0).ToString("F0", CultureInfo.InvariantCulture)));
            text.Append(CultureInfo.InvariantCulture,
                $"| {group[0].Variant} | {group.Count} | {ptp.Average(p => p.T1):F3} | {ptp.Average(p => p.T2):F3} | {counts} | {ptp.Average(p => p.BestDevLoss):F4} | {Range()} | {ptp.Average(p => p.DevPriorLoss):F4} | {ptp.Average(p => p.DevPriorEntropy):F4} | {Below(p => p.DevPriorLoss)} | {Below(p => p.DevPriorEntropy)} |\n");

            // n/a where an older summary lacks a figure (Min would give NaN, Max would skip it)
            string Range() => ptp.All(p => double.IsFinite(p.BestDevLoss))
                ? string.Create(CultureInfo.InvariantCulture, $"{ptp.Min(p => p.BestDevLoss):F4} to {ptp.Max(p => p.BestDevLoss):F4}") : "n/a";
            // seeds whose best dev loss is below the reference
            string Below(Func<PtpOutcome, double> reference) => ptp.All(p => double.IsFinite(p.BestDevLoss) && double.IsFinite(reference(p)))
                ? $"{ptp.Count(p => p.BestDevLoss < reference(p))} of {ptp.Length}" : "n/a";
        }
        return text.ToString();
    }

    /// <summary>Runs grouped by variant, ordered by size and method; a seed seen twice in a variant is kept once.</summary>
    private static List<IReadOnlyList<RunInfo>> Variants(IReadOnlyList<RunInfo> runs, out IReadOnlyList<string> notes)
    {
        var said = new List<string>();
        var groups = new List<IReadOnlyList<RunInfo>>();
        foreach (var group in runs.GroupBy(r => (r.Variant, r.Run.Model, r.Run.Setting)))
        {
            var kept = new List<RunInfo>();
            foreach (var seed in group.GroupBy(r => r.Run.Seed))
            {
                kept.Add(seed.First());
                if (seed.Key is null)
                {
                    kept.AddRange(seed.Skip(1)); // no seed recorded: nothing says they repeat each other
                }
                else if (seed.Count() > 1)
                {
                    said.Add($"{group.Key.Variant}: seed {seed.Key} ran {seed.Count()} times ({string.Join(", ", seed.Select(r => Path.GetFileName(r.Run.Folder)))}), the same method each time; counted once.");
                }
            }
            groups.Add(kept);
        }
        notes = said;
        NameApart(groups);
        return groups.OrderBy(g => g[0].Run.IsStudent ? 0 : 1).ThenBy(g => g[0].Run.OwnedLayers).ThenBy(g => g[0].Order)
            .ThenBy(g => g[0].Run.InitFrom, StringComparer.Ordinal).ThenBy(g => g[0].Variant, StringComparer.Ordinal).ToList();
    }

    /// <summary>Variants that share a name but not their settings (another learning rate, PTP's epochs, the teacher)
    /// are told apart by the settings that differ. When one setting ran more seeds than every other (the grid beside a
    /// study), it keeps the plain name and each other one is named by how it differs from it: "PeaBERT-3" and
    /// "PeaBERT-3 (ptp_training.Epochs 4)". On a tie no setting is the obvious main one, so every one is named by all
    /// the settings that differ. Either way distinct settings get distinct names.</summary>
    private static void NameApart(List<IReadOnlyList<RunInfo>> groups)
    {
        foreach (var same in groups.Select((g, i) => (Group: g, Index: i)).GroupBy(g => (g.Group[0].Variant, g.Group[0].Run.Model)).Where(s => s.Count() > 1).ToList())
        {
            var members = same.ToList();
            var settings = members.Select(m => Flatten(m.Group[0].Run.Setting)).ToList();
            string[] keys = settings.SelectMany(d => d.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
            string ValueOf(int member, string key) => settings[member].GetValueOrDefault(key, "none");
            var shown = keys.ToDictionary(key => key, key => ShownValues(settings.Select(d => d.GetValueOrDefault(key, "none")).ToList()));
            int most = members.Max(m => m.Group.Count);
            int? main = members.Count(m => m.Group.Count == most) == 1 ? members.FindIndex(m => m.Group.Count == most) : null;
            string[] differAmongAll = keys.Where(key => settings.Select(d => d.GetValueOrDefault(key, "none")).Distinct().Count() > 1).ToArray();
            for (int i = 0; i < members.Count; i++)
            {
                if (i == main)
                {
                    continue;
                }
                string[] differing = main is int m ? keys.Where(key => ValueOf(i, key) != ValueOf(m, key)).ToArray() : differAmongAll;
                string suffix = string.Join(", ", differing.Select(key => $"{key} {shown[key][ValueOf(i, key)]}"));
                groups[members[i].Index] = members[i].Group.Select(run => run with { Variant = $"{run.Variant} ({suffix})" }).ToList();
            }
        }
    }

    /// <summary>How a setting's values read in a name: strings without their quotes, and paths (a teacher's folder) by
    /// their last part, each only while the values stay distinct ("2" and 2 would not).</summary>
    private static Dictionary<string, string> ShownValues(IReadOnlyList<string> values)
    {
        string[] json = values.Distinct().ToArray();
        string Unquoted(string value) => value != "none" && System.Text.Json.Nodes.JsonNode.Parse(value) is System.Text.Json.Nodes.JsonValue text && text.TryGetValue(out string? unquoted) ? unquoted : value;
        string[] plain = json.Select(Unquoted).ToArray();
        string[] lastParts = plain.Select(p => Path.GetFileName(p.TrimEnd('/'))).ToArray();
        string[] shown = AllDistinct(lastParts) && plain.All(p => p.Contains('/') || p == "none") ? lastParts : AllDistinct(plain) ? plain : json;
        return json.Zip(shown).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }

    private static bool AllDistinct(string[] values) => values.Distinct(StringComparer.Ordinal).Count() == values.Length;

    /// <summary>A setting's values by path ("ptp_training.Epochs").</summary>
    private static Dictionary<string, string> Flatten(string setting)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (System.Text.Json.Nodes.JsonNode.Parse(setting) is not System.Text.Json.Nodes.JsonObject root)
        {
            return values;
        }
        foreach ((string key, System.Text.Json.Nodes.JsonNode? value) in root)
        {
            if (value is System.Text.Json.Nodes.JsonObject nested)
            {
                foreach ((string field, System.Text.Json.Nodes.JsonNode? inner) in nested)
                {
                    values[$"{key}.{field}"] = inner?.ToJsonString() ?? "none";
                }
            }
            else
            {
                values[key] = value?.ToJsonString() ?? "none";
            }
        }
        return values;
    }

    /// <summary>The sample standard deviation (n - 1); 0 for a single run.</summary>
    internal static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2)
        {
            return 0;
        }
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}

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

    public IReadOnlyDictionary<string, double> Metrics(string split) => Run.MetricsOf(split);

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
        if (run.Kd is not { } kd)
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
        bool preset = method == "FT" || (kd.Alpha == 0.7 && kd.Temperature == 10 && (kd.Beta == 0 || kd.Beta == 100));
        if (!preset)
        {
            name += string.Create(CultureInfo.InvariantCulture, $" a{kd.Alpha} T{kd.Temperature} b{kd.Beta}");
        }
        if (run.InitFrom == "teacher")
        {
            name += " [from teacher]";
        }
        return new RunInfo(run, name, family, order);
    }
}
