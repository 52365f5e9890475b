namespace PeaKd.Modeling;

/// <summary>A configuration value is missing or invalid; the message names the source and the field.</summary>
public sealed class InvalidConfigException(string source, string field, string problem)
    : Exception($"{source}: {problem}")
{
    public string ConfigSource { get; } = source;
    public string Field { get; } = field;
}
