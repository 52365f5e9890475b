namespace PeaKd.Tests.Infrastructure;

/// <summary>The trait that keeps the inner test loop short: classes that spawn many peakd processes, pack the NuGet
/// package or read a gigabyte are <c>[Trait(Speed.Trait, Speed.Slow)]</c>, and
/// <c>dotnet test PeaKd.sln -c Release --filter "Speed!=Slow"</c> runs the rest. CI runs everything.</summary>
internal static class Speed
{
    public const string Trait = "Speed";
    public const string Slow = "Slow";
}
