namespace PeaKd.Reporting.Analysis;

/// <summary>Runs grouped into variants: runs of one method and setting that differ only in the seed.</summary>
internal static class Variants
{
    /// <summary>Runs grouped by variant, ordered by size and method; a seed seen twice in a variant is kept once.</summary>
    public static List<IReadOnlyList<RunInfo>> Group(IReadOnlyList<RunInfo> runs, out IReadOnlyList<string> notes)
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
}
