using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace PeaKd.Generators.Parsing;

/// <summary>Reads members from the runtime's enum symbols, so the generator mirrors no enum value of its own.</summary>
internal static class EnumMembers
{
    /// <summary>The name of the member of <paramref name="enumType"/> whose value is <paramref name="value"/>; null when
    /// none has it, as for <c>(Shuffle)7</c>.</summary>
    public static string? NameOf(ITypeSymbol? enumType, object? value) =>
        Fields(enumType).FirstOrDefault(field => Equals(field.ConstantValue, value))?.Name;

    /// <summary>The name of the member whose value is 0, which is what <c>default</c> of the enum is.</summary>
    public static string? DefaultName(ITypeSymbol? enumType) =>
        Fields(enumType).FirstOrDefault(field => System.Convert.ToDecimal(field.ConstantValue, CultureInfo.InvariantCulture) == 0)?.Name;

    /// <summary>"Shuffle.None, Shuffle.QueryKey": every member, for messages.</summary>
    public static string List(ITypeSymbol? enumType) =>
        string.Join(", ", Fields(enumType).Select(field => $"{enumType!.Name}.{field.Name}"));

    private static IEnumerable<IFieldSymbol> Fields(ITypeSymbol? enumType) =>
        enumType is { TypeKind: TypeKind.Enum }
            ? enumType.GetMembers().OfType<IFieldSymbol>().Where(field => field.HasConstantValue)
            : Enumerable.Empty<IFieldSymbol>();
}
