using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PeaKd.Generators.Diagnostics;
using PeaKd.Generators.Model;

namespace PeaKd.Generators.Parsing;

/// <summary>Turns one [Student] class into a <see cref="StudentSpec"/>, or into diagnostics saying what is wrong.</summary>
internal static class StudentParser
{
    public const string StudentAttribute = "PeaKd.StudentAttribute";
    private const string SharedLayerAttribute = "PeaKd.SharedLayerAttribute";
    private const string SpsAttribute = "PeaKd.SpsAttribute";
    private const string PatientMapAttribute = "PeaKd.PatientMapAttribute";
    private const string ShuffleEnum = "PeaKd.Shuffle";

    /// <summary>[Sps]'s Shuffle when it is not written: the runtime attribute's SpsAttribute.DefaultShuffle constant
    /// (a property initializer does not show in metadata, a constant does). [SharedLayer]'s Shuffle has no initializer:
    /// its default is default(Shuffle), read from the enum.</summary>
    private const string SpsDefaultShuffleField = "DefaultShuffle";

    public static StudentParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;
        var diagnostics = new List<DiagnosticInfo>();
        var classLocation = LocationInfo.From(declaration.Identifier.GetLocation());

        string? shapeProblem = ShapeProblem(type, declaration);
        if (shapeProblem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidStudentClass, classLocation, type.Name, shapeProblem));
            return new StudentParseResult(null, diagnostics.ToEquatableArray(), classLocation);
        }

        var student = new AttributeReader(context.Attributes[0]);
        if (!student.IsValid)
        {
            return new StudentParseResult(null, EquatableArray<DiagnosticInfo>.Empty, classLocation);
        }
        cancellationToken.ThrowIfCancellationRequested();

        int owned = student.ConstructorInt(0);
        if (owned < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, student.PositionalLocation(0), "layers", owned));
        }
        int? hidden = PinnedSize(student, "Hidden", diagnostics);
        int? heads = PinnedSize(student, "Heads", diagnostics);
        int? intermediate = PinnedSize(student, "Intermediate", diagnostics);
        if (hidden is > 0 && heads is > 0 && hidden % heads != 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HiddenNotDivisibleByHeads, student.NamedLocation("Hidden"), hidden, heads));
        }
        if (owned < 1)
        {
            return new StudentParseResult(null, diagnostics.ToEquatableArray(), classLocation);
        }
        GeneratedNameClashes(type, owned, diagnostics);

        // Owned layers, and shared layers that do not say, run with default(Shuffle). Only a runtime without a
        // Shuffle member of value 0 lacks it: then no student of that runtime can be declared.
        INamedTypeSymbol? shuffleEnum = context.Attributes[0].AttributeClass!.ContainingAssembly.GetTypeByMetadataName(ShuffleEnum);
        string? defaultShuffle = EnumMembers.DefaultName(shuffleEnum);
        if (defaultShuffle is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedShuffle, student.Location,
                "[Student]", "0 (the default, which owned layers run with)", EnumMembers.List(shuffleEnum)));
            return new StudentParseResult(null, diagnostics.ToEquatableArray(), classLocation);
        }

        ImmutableArray<AttributeData> attributes = type.GetAttributes();
        LayerUseSpec[]? layers = ParseLayers(owned, defaultShuffle, attributes, diagnostics, cancellationToken);
        (EquatableArray<int>? teacher, EquatableArray<int>? at) = layers is null
            ? (null, null)
            : ParsePatientMap(layers.Length, attributes, diagnostics);

        if (diagnostics.Count > 0 || layers is null)
        {
            return new StudentParseResult(null, diagnostics.ToEquatableArray(), classLocation);
        }

        var spec = new StudentSpec(
            Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes: ContainingTypes(type),
            ClassName: type.Name,
            FullyQualifiedName: type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            VisibleToCatalog: IsVisibleInAssembly(type),
            OwnedLayers: owned,
            Layers: layers.ToEquatableArray(),
            PatientTeacherLayers: teacher,
            PatientStudentLayers: at,
            Hidden: hidden,
            Heads: heads,
            Intermediate: intermediate);
        return new StudentParseResult(spec, EquatableArray<DiagnosticInfo>.Empty, classLocation);
    }

    /// <summary>A member of the user's class named as one the generator writes would fail in generated code (CS0102
    /// or CS0111, pointing at a file the user did not write); said here instead, at the member.</summary>
    private static void GeneratedNameClashes(INamedTypeSymbol type, int owned, List<DiagnosticInfo> diagnostics)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            string? generated = member.Name switch
            {
                "DeclaredPlan" => "the student's static layer plan",
                "Descriptor" => "the student's static descriptor, what PipelineOptions.Student takes",
                "RunEncoder" => "the student's encoder forward, an override of StudentModel.RunEncoder",
                _ when member.Name.StartsWith("Layer", System.StringComparison.Ordinal)
                    && int.TryParse(member.Name.Substring("Layer".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
                    && index < owned && member.Name == "Layer" + index.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    => $"the typed property of owned layer {index}",
                _ => null,
            };
            Location? location = member.Locations.FirstOrDefault(l => l.IsInSource);
            if (generated is not null && location is not null && !member.IsImplicitlyDeclared)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedMemberName, LocationInfo.From(location), type.Name, member.Name, generated));
            }
        }
    }

    private static string? ShapeProblem(INamedTypeSymbol type, ClassDeclarationSyntax declaration)
    {
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return "must be declared partial";
        }
        if (type.IsStatic)
        {
            return "must not be static";
        }
        if (type.IsAbstract)
        {
            return "must not be abstract";
        }
        if (type.TypeParameters.Length > 0)
        {
            return "must not be generic";
        }
        if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType)
        {
            return $"must not declare a base type ('{baseType.Name}'): the generator derives it from StudentModel";
        }
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0)
            {
                return $"must not be nested in a generic type ('{outer.Name}')";
            }
            bool outerIsPartial = outer.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax())
                .OfType<TypeDeclarationSyntax>()
                .All(t => t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!outerIsPartial)
            {
                return $"is nested in '{outer.Name}', which must be declared partial too";
            }
        }
        return null;
    }

    private static int? PinnedSize(AttributeReader student, string name, List<DiagnosticInfo> diagnostics)
    {
        int? value = student.NamedInt(name);
        if (value is < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, student.NamedLocation(name), name, value.Value));
        }
        return value;
    }

    /// <summary>Effective layers in order: the owned ones, then [SharedLayer] and [Sps] uses; null when invalid.</summary>
    private static LayerUseSpec[]? ParseLayers(int owned, string defaultShuffle, ImmutableArray<AttributeData> attributes, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        int before = diagnostics.Count;
        // Declarer is the attribute that declared a layer ("[SharedLayer(3)]", "[Sps]"), null for owned layers.
        var uses = new Dictionary<int, (LayerUseSpec Use, LocationInfo? Location, string? Declarer)>();
        for (int i = 0; i < owned; i++)
        {
            uses[i] = (new LayerUseSpec(i, defaultShuffle), null, null);
        }
        var sharedIndices = new HashSet<int>(attributes.Where(a => Is(a, SharedLayerAttribute)).Select(a => new AttributeReader(a).ConstructorInt(0)));

        void Declare(int at, int from, string shuffle, LocationInfo? location, string declarer)
        {
            if (at < 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerIndexConflict, location,
                    $"{declarer} declares effective layer {at}; effective layers are numbered from 0"));
            }
            else if (uses.TryGetValue(at, out var existing))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerIndexConflict, location,
                    $"{declarer} declares effective layer {at}, which is already "
                    + (existing.Declarer is null ? $"an owned layer ([Student({owned})] owns 0..{owned - 1})" : $"declared by {existing.Declarer}")));
            }
            else
            {
                uses[at] = (new LayerUseSpec(from, shuffle), location, declarer);
            }
        }

        foreach (AttributeData attribute in attributes.Where(a => Is(a, SharedLayerAttribute)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var shared = new AttributeReader(attribute);
            if (!shared.IsValid)
            {
                continue;
            }
            int at = shared.ConstructorInt(0);
            int? from = shared.NamedInt("From");
            string? shuffle = ShuffleName(shared, $"[SharedLayer({at})]", defaultShuffle, diagnostics);
            if (from is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SharedLayerWithoutFrom, shared.Location, at));
                continue;
            }
            string? fromProblem = from >= owned && sharedIndices.Contains(from.Value)
                ? $"it is itself a shared layer; reuse one of the owned layers 0..{owned - 1}"
                : from < 0 || from >= owned ? $"the owned layers are 0..{owned - 1}" : null;
            if (fromProblem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FromIsNotOwned, shared.NamedLocation("From"), at, from.Value, fromProblem));
                continue;
            }
            if (shuffle is not null)
            {
                Declare(at, from.Value, shuffle, shared.PositionalLocation(0), $"[SharedLayer({at})]");
            }
        }

        AttributeData? spsData = attributes.FirstOrDefault(a => Is(a, SpsAttribute));
        if (spsData is not null && new AttributeReader(spsData) is { IsValid: true } sps)
        {
            IFieldSymbol? defaultField = spsData.AttributeClass?.GetMembers(SpsDefaultShuffleField).OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue);
            string spsDefault = EnumMembers.NameOf(defaultField?.Type, defaultField?.ConstantValue) ?? defaultShuffle;
            string? shuffle = ShuffleName(sps, "[Sps]", spsDefault, diagnostics);
            ImmutableArray<int> of = sps.NamedInts("Of") ?? Enumerable.Range(0, owned).ToImmutableArray();
            AttributeArgumentSyntax? ofArgument = sps.NamedArgument("Of");
            if (of.Length == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSpsLayers, sps.NamedLocation("Of"), "is empty; list the owned layers to reuse, or leave Of out to reuse all"));
            }
            var seen = new HashSet<int>();
            for (int j = 0; j < of.Length; j++)
            {
                int from = of[j];
                if (from < 0 || from >= owned)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSpsLayers, sps.ElementLocation(ofArgument, j),
                        $"lists {from}, which is not an owned layer (0..{owned - 1})"));
                }
                else if (!seen.Add(from))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSpsLayers, sps.ElementLocation(ofArgument, j),
                        $"lists layer {from} twice"));
                }
                else if (shuffle is not null)
                {
                    Declare(owned + j, from, shuffle, sps.Location, "[Sps]");
                }
            }
        }

        if (diagnostics.Count > before)
        {
            return null;
        }

        int count = uses.Count;
        for (int i = 0; i < count; i++)
        {
            if (!uses.ContainsKey(i))
            {
                var beyond = uses.Where(u => u.Key > i).OrderBy(u => u.Key).First();
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerIndexConflict, beyond.Value.Location,
                    $"{beyond.Value.Declarer} declares effective layer {beyond.Key} but effective layer {i} is not declared; effective layers must be contiguous from 0"));
                return null;
            }
        }
        return Enumerable.Range(0, count).Select(i => uses[i].Use).ToArray();
    }

    /// <summary>The name of the PeaKd.Shuffle member an attribute's Shuffle argument gives, <paramref name="unset"/> when it
    /// is not written; null (with PEAKD010) when the value is no member, as for (Shuffle)7.</summary>
    private static string? ShuffleName(AttributeReader attribute, string declarer, string unset, List<DiagnosticInfo> diagnostics)
    {
        if (attribute.NamedEnum("Shuffle") is not { } argument)
        {
            return unset;
        }
        string? name = EnumMembers.NameOf(argument.Type, argument.Value);
        if (name is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedShuffle, attribute.NamedLocation("Shuffle"),
                declarer, argument.Value ?? "null", EnumMembers.List(argument.Type)));
        }
        return name;
    }

    private static (EquatableArray<int>? Teacher, EquatableArray<int>? At) ParsePatientMap(int effective, ImmutableArray<AttributeData> attributes, List<DiagnosticInfo> diagnostics)
    {
        AttributeData? data = attributes.FirstOrDefault(a => Is(a, PatientMapAttribute));
        if (data is null || new AttributeReader(data) is not { IsValid: true } map)
        {
            return (null, null);
        }
        int before = diagnostics.Count;
        ImmutableArray<int> teacher = map.ConstructorInts(0);
        ImmutableArray<int>? at = map.NamedInts("At");
        int matchable = effective - 1;

        if (teacher.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPatientMap, map.Location,
                "lists no teacher layer; remove it to use the paper presets"));
        }
        if (at is null && teacher.Length > matchable)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPatientMap, map.ParamsElementLocation(matchable),
                $"has {teacher.Length} entries but the student has {effective} effective layers, so at most {matchable} can be matched (the last layer is covered by the logit loss)"));
        }
        for (int i = 0; i < teacher.Length; i++)
        {
            if (teacher[i] < 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPatientMap, map.ParamsElementLocation(i),
                    $"entry {i} is {teacher[i]}; teacher layers are numbered from 0"));
            }
        }
        if (at is { } atLayers)
        {
            AttributeArgumentSyntax? atArgument = map.NamedArgument("At");
            if (atLayers.Length != teacher.Length)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPatientMap, map.NamedLocation("At"),
                    $"At has {atLayers.Length} entries but {teacher.Length} teacher layers are listed; give one effective layer per teacher layer"));
            }
            for (int i = 0; i < atLayers.Length; i++)
            {
                if (atLayers[i] < 0 || atLayers[i] >= matchable)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPatientMap, map.ElementLocation(atArgument, i),
                        $"At lists effective layer {atLayers[i]}; matchable layers are 0..{matchable - 1} (the last layer is covered by the logit loss)"));
                }
                else if (i > 0 && atLayers[i] <= atLayers[i - 1])
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPatientMap, map.ElementLocation(atArgument, i),
                        $"At must be increasing, but {atLayers[i]} follows {atLayers[i - 1]}"));
                }
            }
        }
        if (diagnostics.Count > before)
        {
            return (null, null);
        }
        return (teacher.ToEquatableArray(), at?.ToEquatableArray());
    }

    private static bool Is(AttributeData attribute, string metadataName) =>
        attribute.AttributeClass?.ToDisplayString() == metadataName;

    private static EquatableArray<ContainingTypeSpec> ContainingTypes(INamedTypeSymbol type)
    {
        var types = new List<ContainingTypeSpec>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            string keyword = outer switch
            {
                { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                { IsRecord: true } => "record",
                { TypeKind: TypeKind.Struct } => "struct",
                { TypeKind: TypeKind.Interface } => "interface",
                _ => "class",
            };
            types.Insert(0, new ContainingTypeSpec(keyword, outer.Name));
        }
        return types.ToEquatableArray();
    }

    private static bool IsVisibleInAssembly(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }
        return true;
    }
}
