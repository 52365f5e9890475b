using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Runs;

namespace PeaKd.Sweeps;

/// <summary>
/// What every cell of a sweep shares and its id does not hold: the teacher (its folder's hash), whether the sweep
/// fine-tunes it and how, and the data (each split's content hash, and the class F1 scores). sweep.json records it when the shared steps first run;
/// from then on a sweep whose teacher or data changed is refused, so results of two teachers never mix in one
/// front. The code the shared steps last ran with (<see cref="BuildCode"/>) is recorded beside it, outside the hash: cells
/// finished by other code are refused when the shared steps run, and a cell whose code is not the shared steps' is
/// refused when it starts.
/// </summary>
internal sealed record SweepIdentity(string Teacher, string TeacherHash, bool FineTuneTeacher, string? FineTuning, string Data, string? PositiveLabel,
    IReadOnlyDictionary<string, string> DataHashes, string PeakdVersion, string Code)
{
    /// <summary>12 hex digits of the SHA-256 of everything but the version: what results/ID.json records as its sweep.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{TeacherHash}\n{FineTuneTeacher}\n{FineTuning}\n{PositiveLabel}\n{string.Join("\n", DataHashes.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"))}")))[..12];

    /// <summary>The identity of <paramref name="sweep"/> as it is now: hashes the teacher folder's config and
    /// weights, and reads every split of the data.</summary>
    /// <param name="sweep">The sweep.</param>
    /// <param name="fineTuneLength">The length the teacher is fine-tuned at (the longest a cell uses), when the sweep fine-tunes it.</param>
    public static SweepIdentity Of(SweepOptions sweep, int fineTuneLength)
    {
        var hashes = sweep.Data.Read(limitTrain: null).ToDictionary(d => d.Split, d => d.ContentHash, StringComparer.Ordinal);
        return new SweepIdentity(FolderPaths.Full(sweep.Teacher), TeacherRecord.FolderHash(sweep.Teacher), sweep.FineTuneTeacher,
            sweep.FineTuneTeacher ? $"{sweep.FineTuning} at max length {fineTuneLength}" : null, sweep.Data.ToString(), sweep.Data.Task.PositiveLabel, hashes,
            FolderManifest.CurrentVersion, BuildCode.Current);
    }

    /// <summary>Writes sweep.json, after refusing an identity that differs from the one recorded there (naming what
    /// changed); the code it records is this process's.</summary>
    public void RecordOrCheck(SweepFolder folder)
    {
        if (File.Exists(folder.IdentityFile))
        {
            CheckAgainst(Read(folder.IdentityFile), folder.IdentityFile);
        }
        Directory.CreateDirectory(folder.Root);
        JsonFile.WriteSealed(folder.IdentityFile, ToJson());
    }

    /// <summary>Refuses this identity when it is not <paramref name="recorded"/>'s (read from <paramref name="file"/>).</summary>
    public void CheckAgainst(SweepIdentity recorded, string file)
    {
        string? changed =
            recorded.TeacherHash != TeacherHash ? $"the teacher: {file} records {recorded.Teacher} (hash {recorded.TeacherHash[..12]}), now {Teacher} (hash {TeacherHash[..12]})"
            : recorded.FineTuneTeacher != FineTuneTeacher ? $"whether the sweep fine-tunes the teacher: {file} records {recorded.FineTuneTeacher}, now {FineTuneTeacher}"
            : recorded.FineTuning != FineTuning ? $"the teacher's fine-tuning: {file} records {recorded.FineTuning}, now {FineTuning} (a longer max length than the teacher was fine-tuned at needs a teacher of its own)"
            : recorded.PositiveLabel != PositiveLabel ? $"the class F1 scores: {file} records '{recorded.PositiveLabel}', now '{PositiveLabel}'"
            : !recorded.DataHashes.OrderBy(d => d.Key).SequenceEqual(DataHashes.OrderBy(d => d.Key)) ? $"the data: {file} records {recorded.Data} with splits {Splits(recorded)}, now {Data} with {Splits(this)} (a split's examples differ)"
            : null;
        if (changed is not null)
        {
            throw new InvalidOperationException(
                $"{file}: this sweep folder belongs to another sweep; {changed}. Its cells would not be comparable with new ones: give the sweep a new folder, or restore the teacher and data it was made with.");
        }
    }

    private static string Splits(SweepIdentity identity) => string.Join(", ", identity.DataHashes.Keys.Order(StringComparer.Ordinal));

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private JsonObject ToJson()
    {
        JsonObject json = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        json["format"] = 1;
        json["hash"] = Hash;
        return json;
    }

    /// <summary>Reads sweep.json; a damaged or edited file is a <see cref="CorruptFileException"/> naming it.</summary>
    public static SweepIdentity Read(string file)
    {
        JsonObject json = JsonFile.ReadSealed(file, required: true);
        json.Remove("format");
        json.Remove("hash");
        return JsonFile.Deserialize<SweepIdentity>(json, file, Json);
    }
}
