using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace PeaKd.Options;

/// <summary>
/// ToString of the public options and result records: <c>PipelineOptions { Teacher = models/minilm, InitLayers = [0, 2],
/// ... }</c>. The compiler's own would print a list as <c>System.Collections.Generic.List`1[System.Int32]</c>, a delegate as
/// <c>System.Func`3[...]</c> and null as nothing; here lists and dictionaries show their items (the first
/// <see cref="MostItems"/>, then how many in all), a delegate its signature, null as null, and numbers invariantly.
/// </summary>
internal static class RecordText
{
    /// <summary>Items a list or dictionary shows before "... (N in all)": an in-memory data set holds thousands.</summary>
    public const int MostItems = 8;

    /// <summary>"TypeName { Property = value, ... }" with every public instance property, the base type's first, as the
    /// compiler's record ToString orders them.</summary>
    public static string Of(object record)
    {
        var builder = new StringBuilder(record.GetType().Name).Append(" {");
        bool first = true;
        foreach (PropertyInfo property in Properties(record.GetType()))
        {
            builder.Append(first ? " " : ", ").Append(property.Name).Append(" = ");
            try
            {
                Append(builder, property.GetValue(record));
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                // a view of other values that has nothing to show (a result's Dev without a dev split): ToString never throws
                builder.Append("(none: ").Append(e.InnerException.GetType().Name).Append(')');
            }
            first = false;
        }
        return builder.Append(first ? "}" : " }").ToString();
    }

    /// <summary>A list as <c>[a, b, ...]</c> or a dictionary as <c>{ key = value, ... }</c>, as <see cref="Of"/> prints them.</summary>
    public static string Items(IEnumerable items)
    {
        var builder = new StringBuilder();
        AppendItems(builder, items, IsDictionary(items.GetType()));
        return builder.ToString();
    }

    private static IEnumerable<PropertyInfo> Properties(Type type)
    {
        var chain = new Stack<Type>();
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            chain.Push(t);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal); // an override is the base's property, in the base's place
        return chain.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true } && seen.Add(p.Name)).ToList();
    }

    private static void Append(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                break;
            case string text:
                builder.Append(text);
                break;
            case Delegate function:
                MethodInfo invoke = function.GetType().GetMethod("Invoke")!;
                builder.Append('(').Append(string.Join(", ", invoke.GetParameters().Select(p => TypeName(p.ParameterType))))
                    .Append(") => ").Append(TypeName(invoke.ReturnType));
                break;
            case IFormattable number when value.GetType().IsPrimitive || value is decimal:
                builder.Append(number.ToString(null, CultureInfo.InvariantCulture));
                break;
            case IEnumerable items:
                AppendItems(builder, items, IsDictionary(items.GetType()));
                break;
            default:
                builder.Append(value);
                break;
        }
    }

    /// <summary>A dictionary as <c>{ key = value, ... }</c>, any other sequence as <c>[a, b, ...]</c>.</summary>
    private static bool IsDictionary(Type type) => typeof(IDictionary).IsAssignableFrom(type) ||
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() is var d && (d == typeof(IReadOnlyDictionary<,>) || d == typeof(IDictionary<,>)));

    private static void AppendItems(StringBuilder builder, IEnumerable items, bool dictionary)
    {
        var shown = new List<object?>();
        int count = 0;
        foreach (object? item in items)
        {
            if (count++ < MostItems)
            {
                shown.Add(item);
            }
        }
        if (dictionary && shown.Count == 0)
        {
            builder.Append("{ }");
            return;
        }
        builder.Append(dictionary ? "{ " : "[");
        for (int i = 0; i < shown.Count; i++)
        {
            builder.Append(i == 0 ? "" : ", ");
            if (dictionary)
            {
                Type pair = shown[i]!.GetType(); // KeyValuePair<K, V>, or DictionaryEntry
                Append(builder, pair.GetProperty("Key")!.GetValue(shown[i]));
                builder.Append(" = ");
                Append(builder, pair.GetProperty("Value")!.GetValue(shown[i]));
            }
            else
            {
                Append(builder, shown[i]);
            }
        }
        if (count > shown.Count)
        {
            builder.Append($", ... ({count} in all)");
        }
        builder.Append(dictionary ? " }" : "]");
    }

    /// <summary>A type as C# writes it: int, string, BertConfig, IReadOnlyList&lt;int&gt;.</summary>
    private static string TypeName(Type type)
    {
        string name = type.IsEnum ? type.Name : Type.GetTypeCode(type) switch
        {
            TypeCode.Int32 => "int",
            TypeCode.Int64 => "long",
            TypeCode.Double => "double",
            TypeCode.Single => "float",
            TypeCode.Boolean => "bool",
            TypeCode.String => "string",
            _ => type == typeof(void) ? "void" : type.Name.Split('`')[0],
        };
        return type.IsGenericType
            ? $"{name}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>"
            : name;
    }
}
