using System.CommandLine;
using PeaKd.Folders;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd verify</c>: checks that folders are exactly what PeaKd wrote (every file against its manifest's size
/// and SHA-256), as every load does, without loading anything.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var folders = new Argument<string[]>("folders") { Description = "Run, teacher, student, import or export folders.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("verify", "Check that folders PeaKd wrote are intact: every file of the size and SHA-256 its manifest lists, nothing added.") { folders };
        command.SetAction(parse => CommandRunner.Run("verify", FlagNames.None, () =>
        {
            foreach (string folder in parse.GetValue(folders)!)
            {
                foreach (VerifiedFolder verified in FolderVerification.Verify(folder))
                {
                    Console.WriteLine(verified.Version is null
                        ? $"{verified.Folder}: unsealed (no peakd-manifest.json); its files agree with each other"
                        : $"{verified.Folder}: intact, {verified.Kind} written by PeaKd {verified.Version}, {verified.Files} files");
                }
            }
        }));
        return command;
    }
}
