namespace PeaKd.Generators.Model;

/// <summary>A class name that several students of the catalog use, and the student that keeps it (fully qualified).</summary>
internal readonly record struct DuplicateName(string ClassName, string KeptBy);
