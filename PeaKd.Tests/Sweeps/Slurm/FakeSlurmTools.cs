namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>Stand-ins for Slurm's tools: small bash scripts in a folder, put before the real ones.</summary>
internal static class FakeSlurmTools
{
    /// <summary>Writes an executable bash script <paramref name="name"/> in <paramref name="folder"/> running <paramref name="body"/>.</summary>
    public static string Write(string folder, string name, string body)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        return path;
    }
}
