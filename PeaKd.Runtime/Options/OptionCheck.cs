using System.Globalization;
using PeaKd.IO;

namespace PeaKd.Options;

/// <summary>The checks every options type runs on its values; each failure names the property and the value.</summary>
internal static class OptionCheck
{
    public static void AtLeast(string property, long value, long minimum)
    {
        if (value < minimum)
        {
            throw new InvalidOptionException(property, $"must be at least {minimum}, got {value}.");
        }
    }

    public static void AtMost(string property, long value, long maximum)
    {
        if (value > maximum)
        {
            throw new InvalidOptionException(property, $"must be at most {maximum:N0}, got {value:N0}.");
        }
    }

    public static void Between(string property, long value, long minimum, long maximum)
    {
        if (value < minimum || value > maximum)
        {
            throw new InvalidOptionException(property, $"must be between {minimum} and {maximum}, got {value}.");
        }
    }

    public static void Positive(string property, double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new InvalidOptionException(property, $"must be a positive finite number, got {Show(value)}.");
        }
    }

    public static void NotNegative(string property, double value)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            throw new InvalidOptionException(property, $"must be a finite number of at least 0, got {Show(value)}.");
        }
    }

    /// <summary>A value in [lower, upper] (or [lower, upper) when <paramref name="upperOpen"/>).</summary>
    public static void Fraction(string property, double value, double lower = 0, double upper = 1, bool upperOpen = false)
    {
        bool inside = value >= lower && (upperOpen ? value < upper : value <= upper);
        if (!inside)
        {
            throw new InvalidOptionException(property, $"must be in [{Show(lower)}, {Show(upper)}{(upperOpen ? ")" : "]")}, got {Show(value)}.");
        }
    }

    public static void Defined<TEnum>(string property, TEnum value) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new InvalidOptionException(property, $"is {value}, which is not a {typeof(TEnum).Name}; use one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }

    public static void NotEmpty(string property, string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOptionException(property, $"is empty; give {what}.");
        }
    }

    /// <summary>A run's output folder must not be a model folder it reads: the run writes config.json, weights and
    /// options.json there, over the model's own.</summary>
    public static void NotTheSameFolder(string property, string folder, string readProperty, string readFolder)
    {
        if (FolderPaths.IsReallySameOrInside(folder, readFolder) || FolderPaths.IsReallySameOrInside(readFolder, folder))
        {
            throw new InvalidOptionException(property,
                $"is '{folder}', the folder {readProperty} names, or one inside or around it (symbolic links resolved); the run would write its files over the model it reads. Give a folder of its own.");
        }
    }

    public static void NotNull(string property, object? value, string what)
    {
        if (value is null)
        {
            throw new InvalidOptionException(property, $"is not set; give {what}.");
        }
    }

    public static string Show(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
