using System;
using System.Collections.Generic;
using System.Linq;
using PeaKd.Generators.Model;

namespace PeaKd.Generators.Diagnostics;

/// <summary>
/// The catalog finds students by class name, so each name may be used by one catalog student: the first by fully
/// qualified name keeps it, and every later one gets PEAKD009 (and is left out of the catalog).
/// </summary>
internal static class DuplicateStudentNames
{
    /// <summary>The catalog's students: those visible in the assembly, ordered by fully qualified name, each the first with its class name.</summary>
    public static List<CatalogEntrySpec> Kept(IEnumerable<CatalogEntrySpec> students)
    {
        var kept = new List<CatalogEntrySpec>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (CatalogEntrySpec student in Visible(students))
        {
            if (names.Add(student.ClassName))
            {
                kept.Add(student);
            }
        }
        return kept;
    }

    /// <summary>Every class name used by more than one catalog student, with the student that keeps it. Names only, so
    /// moving a student leaves this equal.</summary>
    public static EquatableArray<DuplicateName> Find(IEnumerable<CatalogEntrySpec> students) =>
        Visible(students)
            .GroupBy(student => student.ClassName, StringComparer.Ordinal)
            .Where(group => group.Count() > 1)
            .Select(group => new DuplicateName(group.Key, group.First().FullyQualifiedName))
            .OrderBy(duplicate => duplicate.ClassName, StringComparer.Ordinal)
            .ToEquatableArray();

    /// <summary>The diagnostics of one student: those of its parse, and PEAKD009 at its class name when another student keeps that name.</summary>
    public static EquatableArray<DiagnosticInfo> DiagnosticsFor(StudentParseResult result, EquatableArray<DuplicateName> duplicates)
    {
        if (result.Spec is not { VisibleToCatalog: true } spec)
        {
            return result.Diagnostics;
        }
        foreach (DuplicateName duplicate in duplicates)
        {
            if (duplicate.ClassName == spec.ClassName && duplicate.KeptBy != spec.FullyQualifiedName)
            {
                DiagnosticInfo clash = DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateStudentName, result.NameLocation,
                    spec.ClassName, duplicate.KeptBy.Replace("global::", ""));
                return result.Diagnostics.Append(clash).ToEquatableArray();
            }
        }
        return result.Diagnostics;
    }

    private static IEnumerable<CatalogEntrySpec> Visible(IEnumerable<CatalogEntrySpec> students) =>
        students.Where(student => student.VisibleToCatalog).OrderBy(student => student.FullyQualifiedName, StringComparer.Ordinal);
}
