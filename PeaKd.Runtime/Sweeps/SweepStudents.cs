using System.Text.Json;
using PeaKd.Students;

namespace PeaKd.Sweeps;

/// <summary>A spec's <c>students</c>: "all", a list of names, or a filter over the catalog.</summary>
internal static class SweepStudents
{
    /// <summary>The students <paramref name="students"/> names, in the catalog's order for "all" and a filter;
    /// <paramref name="field"/> is where they sit in the spec (students, groups[1].students).</summary>
    public static IReadOnlyList<StudentDescriptor> Resolve(JsonElement students, IReadOnlyList<StudentDescriptor> catalog, string field) => students.ValueKind switch
    {
        JsonValueKind.String when students.GetString() == "all" => catalog,
        JsonValueKind.Array => students.EnumerateArray().Select((s, i) => Named(s, field, i, catalog)).ToArray(),
        JsonValueKind.Object => Filter(students, field, catalog),
        JsonValueKind.Undefined => throw SweepSpec.Field(field, "is missing; give \"all\", a list of names, or a filter such as {\"owned_layers\": [1, 2]}."),
        _ => throw SweepSpec.Field(field, $"is {students.GetRawText()}; give \"all\", a list of names, or a filter such as {{\"owned_layers\": [1, 2]}}."),
    };

    private static StudentDescriptor Named(JsonElement name, string field, int index, IReadOnlyList<StudentDescriptor> catalog)
    {
        string? text = name.ValueKind == JsonValueKind.String ? name.GetString() : null;
        return (text is null ? null : StudentDescriptor.Find(catalog, text))
            ?? throw SweepSpec.Field($"{field}[{index}]", $"is {name.GetRawText()}, not a student of this program; the known students are {string.Join(", ", catalog.Select(s => s.Name))}.");
    }

    /// <summary>owned_layers (a list of counts) and shared (true: students with shared layers; false: plain ones).</summary>
    private static StudentDescriptor[] Filter(JsonElement filter, string field, IReadOnlyList<StudentDescriptor> catalog)
    {
        IEnumerable<StudentDescriptor> chosen = catalog;
        foreach (JsonProperty property in filter.EnumerateObject())
        {
            chosen = property.Name switch
            {
                "owned_layers" when property.Value.ValueKind == JsonValueKind.Array && property.Value.EnumerateArray().All(v => v.TryGetInt32(out _))
                    => chosen.Where(s => property.Value.EnumerateArray().Any(v => v.GetInt32() == s.Plan.OwnedLayers)).ToArray(),
                "shared" when property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    => chosen.Where(s => s.Plan.SharedLayers.Any() == property.Value.GetBoolean()).ToArray(),
                "owned_layers" or "shared" => throw SweepSpec.Field($"{field}.{property.Name}",
                    $"is {property.Value.GetRawText()}; owned_layers is a list of layer counts, such as [1, 2], and shared is true or false."),
                _ => throw SweepSpec.Field($"{field}.{property.Name}", "is not a filter; the filters are owned_layers and shared."),
            };
        }
        StudentDescriptor[] result = chosen.ToArray();
        return result.Length > 0 ? result
            : throw SweepSpec.Field(field, $"is {filter.GetRawText()}, which matches none of {string.Join(", ", catalog.Select(s => $"{s.Name} ({s.Plan.OwnedLayers} owned{(s.Plan.SharedLayers.Any() ? ", shared" : "")})"))}.");
    }
}
