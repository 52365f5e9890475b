using System.Reflection;
using System.Runtime.CompilerServices;

namespace PeaKd.Tests.Api;

/// <summary>
/// An assembly's public surface as text: one line per public type and, indented under it, one per public or protected
/// member, each prefixed by its type so that every line stands alone and a diff reads "this member appeared, that one went".
/// Members the compiler writes for records (Equals, PrintMembers, the copy constructor, ...) are left out; the type's
/// line says it is a record.
/// </summary>
internal static class PublicSurface
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                          BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly NullabilityInfoContext Nullability = new();

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void", [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(char)] = "char", [typeof(string)] = "string", [typeof(object)] = "object",
    };

    /// <summary>Each exported type's line, then its members' lines by name (overloads by signature); types in ordinal
    /// order of their full names.</summary>
    public static IReadOnlyList<string> Lines(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (Type type in assembly.GetExportedTypes().OrderBy(FullName, StringComparer.Ordinal))
        {
            lines.Add(TypeLine(type));
            string owner = FullName(type);
            lines.AddRange(Members(type).OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Line, StringComparer.Ordinal)
                .Select(member => $"    {owner}: {member.Line}"));
        }
        return lines;
    }

    private static string TypeLine(Type type)
    {
        if (type.IsEnum)
        {
            return $"enum {FullName(type)} : {Name(Enum.GetUnderlyingType(type))}";
        }
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return $"delegate {FullName(type)}: {Signature(type.GetMethod("Invoke")!)}";
        }
        bool record = type.GetMethod("<Clone>$") is not null || type.GetProperty("EqualityContract", Declared) is not null;
        string kind = type.IsInterface ? "interface"
            : type.IsValueType ? (type.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly " : "") + (record ? "record struct" : "struct")
            : type is { IsAbstract: true, IsSealed: true } ? "static class"
            : (type.IsAbstract ? "abstract " : type.IsSealed ? "sealed " : "") + (record ? "record" : "class");
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType))
        {
            bases.Add(Name(baseType));
        }
        Type[] inherited = type.BaseType?.GetInterfaces() ?? [];
        bases.AddRange(type.GetInterfaces().Where(i => !inherited.Contains(i) && !(record && IsEquatableOf(i, type)))
            .Select(i => Name(i)).Order(StringComparer.Ordinal));
        return $"{kind} {FullName(type)}" + (bases.Count == 0 ? "" : " : " + string.Join(", ", bases));
    }

    private static bool IsEquatableOf(Type candidate, Type type) =>
        candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEquatable<>) && candidate.GenericTypeArguments[0] == type;

    private static IEnumerable<(string Name, string Line)> Members(Type type)
    {
        if (type.IsEnum)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                long value = Convert.ToInt64(field.GetRawConstantValue());
                yield return ($"{unchecked((ulong)value ^ (1UL << 63)):D20}", $"{field.Name} = {value}"); // in order of value
            }
            yield break;
        }
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            yield break;
        }
        foreach (MemberInfo member in type.GetMembers(Declared).Where(Visible))
        {
            string? line = member switch
            {
                ConstructorInfo constructor => Access(constructor) + Modifiers(constructor) + Name(type).Split('<')[0] + Parameters(constructor),
                MethodInfo method when !method.IsSpecialName || method.Name.StartsWith("op_", StringComparison.Ordinal) =>
                    Access(method) + Modifiers(method) + Signature(method),
                PropertyInfo property => Property(property),
                FieldInfo field => Field(field),
                EventInfo @event => Access(@event.AddMethod!) + Modifiers(@event.AddMethod!) + $"event {Name(@event.EventHandlerType!)} {@event.Name}",
                _ => null, // nested types have lines of their own; accessors are written with their property
            };
            if (line is not null)
            {
                yield return (member is ConstructorInfo ? type.Name : member.Name, line);
            }
        }
    }

    /// <summary>Public or protected, and written by hand (a record's Equals or copy constructor is not).</summary>
    private static bool Visible(MemberInfo member)
    {
        if (member.IsDefined(typeof(CompilerGeneratedAttribute)) || member.Name.StartsWith('<'))
        {
            return false;
        }
        return member switch
        {
            MethodBase method => Accessible(method),
            FieldInfo field => field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly,
            PropertyInfo property => property.GetAccessors(nonPublic: true).Any(Accessible),
            EventInfo @event => Accessible(@event.AddMethod!),
            _ => false,
        };
    }

    /// <summary>Public or protected (an auto-property's accessors are compiler-generated, and still its surface).</summary>
    private static bool Accessible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static string Access(MethodBase method) => method.IsPublic ? "" : "protected ";

    private static string Modifiers(MethodBase method)
    {
        if (method.IsStatic)
        {
            return "static ";
        }
        if (method is not MethodInfo { IsVirtual: true } virtualMethod || method.DeclaringType!.IsInterface)
        {
            return "";
        }
        bool overrides = virtualMethod.GetBaseDefinition() != virtualMethod;
        if (virtualMethod.IsFinal)
        {
            return overrides ? "sealed override " : ""; // a final virtual that overrides nothing implements an interface
        }
        return virtualMethod.IsAbstract ? "abstract " : overrides ? "override " : "virtual ";
    }

    private static string Signature(MethodInfo method)
    {
        string name = method.Name switch
        {
            "op_Implicit" => $"implicit operator {Name(method.ReturnType, Nullability.Create(method.ReturnParameter))}",
            "op_Explicit" => $"explicit operator {Name(method.ReturnType, Nullability.Create(method.ReturnParameter))}",
            _ when method.Name.StartsWith("op_", StringComparison.Ordinal) =>
                $"{Name(method.ReturnType, Nullability.Create(method.ReturnParameter))} operator {method.Name[3..]}",
            _ => $"{Name(method.ReturnType, Nullability.Create(method.ReturnParameter))} {method.Name}",
        };
        string generics = method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";
        return name + generics + Parameters(method);
    }

    private static string Parameters(MethodBase method) =>
        "(" + string.Join(", ", method.GetParameters().Select(Parameter)) + ")";

    private static string Parameter(ParameterInfo parameter)
    {
        Type type = parameter.ParameterType;
        string prefix = "";
        if (type.IsByRef)
        {
            prefix = parameter.IsOut ? "out " : parameter.IsIn ? "in " : "ref ";
            type = type.GetElementType()!;
        }
        if (parameter.IsDefined(typeof(ParamArrayAttribute)))
        {
            prefix = "params ";
        }
        if (parameter.Member.IsDefined(typeof(ExtensionAttribute)) && parameter.Position == 0)
        {
            prefix = "this " + prefix;
        }
        string text = $"{prefix}{Name(type, Nullability.Create(parameter))} {parameter.Name}";
        return parameter.HasDefaultValue ? $"{text} = {Literal(type, parameter.RawDefaultValue)}" : text;
    }

    private static string Literal(Type type, object? value) => value switch
    {
        null => Nullable.GetUnderlyingType(type) is null && type.IsValueType ? "default" : "null",
        _ when type.IsEnum => $"{type.Name}.{Enum.ToObject(type, value)}",
        string text => $"\"{text}\"",
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Property(PropertyInfo property)
    {
        MethodInfo accessor = property.GetAccessors(nonPublic: true).First(Accessible);
        var parts = new List<string>();
        if (property.GetMethod is { } getter && Accessible(getter))
        {
            parts.Add(getter.IsPublic ? "get;" : "protected get;");
        }
        if (property.SetMethod is { } setter && Accessible(setter))
        {
            bool init = setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            parts.Add((setter.IsPublic ? "" : "protected ") + (init ? "init;" : "set;"));
        }
        ParameterInfo[] index = property.GetIndexParameters();
        string name = index.Length == 0 ? property.Name : $"this[{string.Join(", ", index.Select(Parameter))}]";
        string required = property.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.RequiredMemberAttribute") ? "required " : "";
        bool allProtected = property.GetAccessors(nonPublic: true).Where(Accessible).All(a => !a.IsPublic);
        return (allProtected ? "protected " : "") + Modifiers(accessor) + required +
               $"{Name(property.PropertyType, Nullability.Create(property))} {name} {{ {string.Join(" ", parts)} }}";
    }

    private static string Field(FieldInfo field)
    {
        string access = field.IsPublic ? "" : "protected ";
        string type = Name(field.FieldType, Nullability.Create(field));
        if (field.IsLiteral)
        {
            return $"{access}const {type} {field.Name} = {Literal(field.FieldType, field.GetRawConstantValue())}";
        }
        return access + (field.IsStatic ? "static " : "") + (field.IsInitOnly ? "readonly " : "") + $"{type} {field.Name}";
    }

    private static string FullName(Type type) =>
        type.IsNested ? $"{FullName(type.DeclaringType!)}.{Name(type)}" : $"{type.Namespace}.{Name(type)}";

    /// <summary>A type as C# writes it, without its namespace: <c>IReadOnlyList&lt;string?&gt;</c>, <c>int?</c>, <c>torch.Tensor</c>.</summary>
    private static string Name(Type type, NullabilityInfo? nullability = null)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying, nullability?.GenericTypeArguments.FirstOrDefault()) + "?";
        }
        string mark = nullability is { ReadState: NullabilityState.Nullable } && !type.IsValueType ? "?" : "";
        if (type.IsArray)
        {
            return Name(type.GetElementType()!, nullability?.ElementType) + "[" + new string(',', type.GetArrayRank() - 1) + "]" + mark;
        }
        if (type.IsGenericParameter || !type.IsGenericType)
        {
            string plain = Keywords.TryGetValue(type, out string? keyword) ? keyword : type.Name;
            return (type.IsNested && !type.IsGenericParameter ? Name(type.DeclaringType!) + "." : "") + plain + mark;
        }
        Type[] arguments = type.GetGenericArguments();
        NullabilityInfo[] argumentNullability = nullability?.GenericTypeArguments ?? [];
        string Argument(int i) => Name(arguments[i], i < argumentNullability.Length ? argumentNullability[i] : null);
        if (type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true)
        {
            return "(" + string.Join(", ", arguments.Select((_, i) => Argument(i))) + ")" + mark;
        }
        // a nested type's own arguments come after its declaring type's
        int inheritedCount = type.IsNested ? type.DeclaringType!.GetGenericArguments().Length : 0;
        string name = type.Name.Split('`')[0];
        string outer = type.IsNested ? Name(type.DeclaringType!) + "." : "";
        string own = arguments.Length == inheritedCount ? ""
            : "<" + string.Join(", ", Enumerable.Range(inheritedCount, arguments.Length - inheritedCount).Select(Argument)) + ">";
        return outer + name + own + mark;
    }
}
