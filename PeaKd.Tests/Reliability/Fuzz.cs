using System.Security.Cryptography;
using CsCheck;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Reliability;

/// <summary>
/// The fuzzing harness every parser's property uses: mutated copies of a real file (truncated, flipped bits,
/// overwritten bytes, extreme integers, inserted or deleted runs, random bytes) are written to disk and parsed.
/// Each case must either parse or throw one of the parser's documented exceptions with the file in its message,
/// within a time limit; anything else (another exception type, a hang) fails with the input saved for a rerun.
/// </summary>
internal static class Fuzz
{
    /// <summary>PEAKD_FUZZ_SCALE multiplies every property's case count (e.g. 20 for a long local run).</summary>
    public static long Cases(int cases) =>
        int.TryParse(Environment.GetEnvironmentVariable("PEAKD_FUZZ_SCALE"), out int scale) && scale > 0 ? (long)cases * scale : cases;

    /// <summary>A parse that takes longer than this is a hang (the inputs are tiny; a real parse takes milliseconds).</summary>
    public static readonly TimeSpan PerCase = TimeSpan.FromSeconds(20);

    private static readonly long[] Extremes = [0, -1, 1L << 60, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, 1L << 32, 255];

    /// <summary>Mutations of <paramref name="original"/>; <paramref name="hotBytes"/> biases edits towards the
    /// first bytes (where headers live).</summary>
    public static Gen<byte[]> Mutants(byte[] original, int hotBytes = 256)
    {
        int length = original.Length;
        Gen<int> position = Gen.Frequency((1, Gen.Int[0, Math.Max(0, Math.Min(hotBytes, length) - 1)]), (1, Gen.Int[0, Math.Max(0, length - 1)]));
        return Gen.OneOf(
            Gen.Int[0, Math.Max(0, length - 1)].Select(n => original[..n]),                                // truncated
            Gen.Select(position, Gen.Int[0, 7]).Array[1, 8].Select(flips =>                                  // flipped bits
            {
                byte[] copy = (byte[])original.Clone();
                foreach ((int at, int bit) in flips)
                {
                    copy[at] ^= (byte)(1 << bit);
                }
                return copy;
            }),
            Gen.Select(position, Gen.Byte).Array[1, 16].Select(writes =>                                     // overwritten bytes
            {
                byte[] copy = (byte[])original.Clone();
                foreach ((int at, byte value) in writes)
                {
                    copy[at] = value;
                }
                return copy;
            }),
            Gen.Select(position, Gen.Int[0, Extremes.Length - 1], Gen.Bool).Select((at, which, littleEndian) => // an extreme integer
            {
                byte[] copy = (byte[])original.Clone();
                byte[] value = BitConverter.GetBytes(Extremes[which]);
                if (!littleEndian)
                {
                    Array.Reverse(value);
                }
                value.AsSpan(0, Math.Min(8, length - at)).CopyTo(copy.AsSpan(at));
                return copy;
            }),
            Gen.Select(position, Gen.Byte.Array[1, 64]).Select((at, run) => (byte[])[.. original[..at], .. run, .. original[at..]]), // inserted run
            Gen.Select(position, Gen.Int[1, 64]).Select((at, count) => (byte[])[.. original[..at], .. original[Math.Min(length, at + count)..]]), // deleted run
            Gen.Byte.Array[0, 512]);                                                                         // random bytes
    }

    private static readonly string[] OddValues =
    [
        "null", "\"\"", "\"x\"", "-1", "0", "1.5", "1e400", "-1e400", "2147483648", "9223372036854775808", "[]", "{}", "true",
        "[1, 2]", "{\"0\": 1}", "\"\\ud800\"", new string('[', 5000) + new string(']', 5000), "\"" + new string('a', 100_000) + "\"",
    ];

    /// <summary>Structured mutations of a JSON object: a field's value replaced by a wrong type or an extreme, a field
    /// dropped or duplicated; then each result may also get byte mutations.</summary>
    public static Gen<byte[]> JsonMutants(string json)
    {
        string[] fields = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject().Select(p => p.Key).ToArray();
        Gen<string> edited = Gen.Select(Gen.Int[0, fields.Length - 1], Gen.Int[0, OddValues.Length - 1], Gen.Int[0, 2]).Select((field, value, kind) =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
            string name = fields[field];
            switch (kind)
            {
                case 0:
                    node[name] = System.Text.Json.Nodes.JsonNode.Parse("0");
                    return node.ToJsonString().Replace($"\"{name}\":0", $"\"{name}\":{OddValues[value]}", StringComparison.Ordinal);
                case 1:
                    node.Remove(name);
                    return node.ToJsonString();
                default:
                    string text = node.ToJsonString();
                    return text[..^1] + $",\"{name}\":{OddValues[value]}}}"; // the same key twice
            }
        });
        return Gen.OneOf(edited.Select(System.Text.Encoding.UTF8.GetBytes), edited.SelectMany(text => Mutants(System.Text.Encoding.UTF8.GetBytes(text))));
    }

    /// <summary>
    /// Writes each input to <paramref name="fileName"/> in a fresh folder (set up by <paramref name="prepare"/>) and
    /// runs <paramref name="parse"/> on it; it must return or throw one of <paramref name="documented"/> naming the file.
    /// Returns how many inputs parsed and how many were rejected.
    /// </summary>
    public static (int Parsed, int Rejected) Check(Gen<byte[]> inputs, int cases, string fileName, Action<string> parse, Type[] documented, Action<string>? prepare = null)
    {
        using var folder = TestFiles.TempFolder();
        prepare?.Invoke(folder.Path);
        string path = folder.File(fileName);
        int parsed = 0, rejected = 0;
        inputs.Sample(bytes =>
        {
            File.WriteAllBytes(path, bytes);
            Exception? error = Run(() => parse(path), out bool hung);
            if (hung)
            {
                Fail(bytes, fileName, $"parsing hung for more than {PerCase.TotalSeconds} s");
            }
            if (error is null)
            {
                parsed++;
                return;
            }
            if (!documented.Contains(error.GetType()) || !error.Message.Contains(path, StringComparison.Ordinal))
            {
                Fail(bytes, fileName, $"{error.GetType().Name} is not a documented error naming the file: {error}");
            }
            rejected++;
        }, iter: Cases(cases), threads: 1, print: bytes => $"{bytes.Length} bytes, SHA-256 {Convert.ToHexString(SHA256.HashData(bytes))[..16]}");
        Assert.True(rejected > 0, "no mutation was rejected: the property tests nothing");
        return (parsed, rejected);
    }

    private static Exception? Run(Action action, out bool hung)
    {
        var task = Task.Run(action);
        try
        {
            hung = !task.Wait(PerCase);
        }
        catch (AggregateException)
        {
            hung = false;
        }
        return hung ? null : task.Exception?.InnerException;
    }

    private static void Fail(byte[] bytes, string fileName, string problem)
    {
        string saved = Path.Combine(Path.GetTempPath(), "peakd-fuzz-failures", $"{Convert.ToHexString(SHA256.HashData(bytes))[..16]}-{fileName}");
        Directory.CreateDirectory(Path.GetDirectoryName(saved)!);
        File.WriteAllBytes(saved, bytes);
        throw new Xunit.Sdk.XunitException($"{problem}\ninput saved to {saved}");
    }
}
