using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PeaKd.Generators.Model;

namespace PeaKd.Generators.Parsing;

/// <summary>Reads one applied attribute's arguments and finds their source locations.</summary>
internal sealed class AttributeReader(AttributeData data)
{
    private readonly AttributeSyntax? _syntax = data.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax;

    /// <summary>False when the compiler could not bind the attribute (it reports that itself).</summary>
    public bool IsValid => data.AttributeConstructor is not null;

    public LocationInfo? Location => LocationInfo.From(_syntax);

    public int ConstructorInt(int index) =>
        data.ConstructorArguments.Length > index && data.ConstructorArguments[index].Value is int value ? value : 0;

    /// <summary>The values of a params int[] constructor argument.</summary>
    public ImmutableArray<int> ConstructorInts(int index)
    {
        if (data.ConstructorArguments.Length <= index)
        {
            return ImmutableArray<int>.Empty;
        }
        TypedConstant argument = data.ConstructorArguments[index];
        return argument.Kind == TypedConstantKind.Array
            ? argument.Values.Select(v => v.Value is int i ? i : 0).ToImmutableArray()
            : ImmutableArray.Create(argument.Value is int single ? single : 0);
    }

    public int? NamedInt(string name) =>
        TryNamed(name, out TypedConstant value) && value.Value is int number ? number : null;

    public ImmutableArray<int>? NamedInts(string name) =>
        TryNamed(name, out TypedConstant value) && value.Kind == TypedConstantKind.Array && !value.IsNull
            ? value.Values.Select(v => v.Value is int i ? i : 0).ToImmutableArray()
            : null;

    public bool HasNamed(string name) => TryNamed(name, out _);

    /// <summary>A named enum argument as written (its Type is the enum), or null when it is absent or does not bind
    /// (the compiler reports that itself).</summary>
    public TypedConstant? NamedEnum(string name) =>
        TryNamed(name, out TypedConstant value) && value.Kind == TypedConstantKind.Enum ? value : null;

    /// <summary>The location of a named argument (Name = ...), else of the whole attribute.</summary>
    public LocationInfo? NamedLocation(string name) =>
        LocationInfo.From(Arguments().FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)) ?? Location;

    /// <summary>The location of the positional argument at <paramref name="index"/>, else of the whole attribute.</summary>
    public LocationInfo? PositionalLocation(int index) =>
        LocationInfo.From(Arguments().Where(a => a.NameEquals is null && a.NameColon is null).ElementAtOrDefault(index)) ?? Location;

    /// <summary>The location of the <paramref name="element"/>-th value of an array argument, when written as a list.</summary>
    public LocationInfo? ElementLocation(AttributeArgumentSyntax? argument, int element)
    {
        ExpressionSyntax? expression = argument?.Expression;
        IEnumerable<ExpressionSyntax>? elements = expression switch
        {
            ArrayCreationExpressionSyntax array => array.Initializer?.Expressions,
            ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer.Expressions,
            CollectionExpressionSyntax collection => collection.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression),
            _ => null,
        };
        return LocationInfo.From(elements?.ElementAtOrDefault(element)) ?? LocationInfo.From(argument) ?? Location;
    }

    public AttributeArgumentSyntax? NamedArgument(string name) =>
        Arguments().FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);

    /// <summary>The location of the <paramref name="element"/>-th params value (positional arguments).</summary>
    public LocationInfo? ParamsElementLocation(int element)
    {
        var positional = Arguments().Where(a => a.NameEquals is null && a.NameColon is null).ToList();
        if (positional.Count == 1)
        {
            return ElementLocation(positional[0], element);
        }
        return LocationInfo.From(positional.ElementAtOrDefault(element)) ?? Location;
    }

    private IEnumerable<AttributeArgumentSyntax> Arguments() =>
        _syntax?.ArgumentList?.Arguments ?? Enumerable.Empty<AttributeArgumentSyntax>();

    private bool TryNamed(string name, out TypedConstant value)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in data.NamedArguments)
        {
            if (argument.Key == name)
            {
                value = argument.Value;
                return true;
            }
        }
        value = default;
        return false;
    }
}
