namespace PeaKd.Generators.Model;

/// <summary>What the catalog and the duplicate-name check need of a student, so editing a student's layers leaves them cached.</summary>
internal sealed record CatalogEntrySpec(string? Namespace, string ClassName, string FullyQualifiedName, bool VisibleToCatalog);
