namespace PeaKd.Modeling;

/// <summary>A configuration value is missing or invalid; the message names the source and the field.</summary>
public sealed class InvalidConfigException(string source, string field, string problem)
    : Exception($"{source}: {problem}")
{
    /// <summary>The config's file (or what built it).</summary>
    public string ConfigSource { get; } = source;
    /// <summary>The config.json field at fault, such as <c>hidden_size</c>.</summary>
    public string Field { get; } = field;
}
