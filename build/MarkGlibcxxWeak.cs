// Compiled by MSBuild's RoslynCodeTaskFactory (see PeaKd.NativeFix.targets), and by PeaKd.Tests with
// PEAKD_PATCHER_ONLY defined (the patcher without the MSBuild task, so tests need no MSBuild packages).
//
// TorchSharp 0.107's libLibTorchSharp.so lists GLIBCXX_3.4.32 (GCC 13's libstdc++) among its version
// needs for a single symbol, std::ios_base_library_init(), an anchor that nothing relocates against.
// Debian 12 ships GLIBCXX_3.4.30, so the dynamic loader refuses the library and TorchSharp reports a
// misleading "doesn't contain a reference to libtorch-cpu-linux-x64". Marking that one version need
// weak (VER_FLG_WEAK in .gnu.version_r) lets the loader accept it; where libstdc++ has the version,
// the flag changes nothing.
using System;
using System.IO;
using System.Text;
#if !PEAKD_PATCHER_ONLY
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

namespace PeaKd.Build
{
    public enum WeakVersionOutcome
    {
        Patched,
        AlreadyWeak,
        NotRequired,
    }

    /// <summary>Sets VER_FLG_WEAK on one version need of an ELF64 little-endian shared library, in place.</summary>
    public static class ElfVersionNeedPatcher
    {
        public const string TorchSharpVersion = "GLIBCXX_3.4.32";
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        public static WeakVersionOutcome MarkWeak(string path, string versionName)
        {
            byte[] elf = File.ReadAllBytes(path);
            int flagsOffset = FindVersionFlags(elf, versionName, path);
            if (flagsOffset < 0)
            {
                return WeakVersionOutcome.NotRequired;
            }

            ushort flags = BitConverter.ToUInt16(elf, flagsOffset);
            if ((flags & VerFlgWeak) != 0)
            {
                return WeakVersionOutcome.AlreadyWeak;
            }

            // Write the two bytes only, so a concurrent reader never sees a truncated file.
            byte[] patched = BitConverter.GetBytes((ushort)(flags | VerFlgWeak));
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                stream.Position = flagsOffset;
                stream.Write(patched, 0, patched.Length);
            }
            return WeakVersionOutcome.Patched;
        }

        /// <summary>File offset of the vna_flags field naming <paramref name="versionName"/>, or -1.</summary>
        public static int FindVersionFlags(byte[] elf, string versionName, string pathForErrors)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            {
                throw new InvalidDataException($"{pathForErrors}: not an ELF file.");
            }
            if (elf[4] != 2 || elf[5] != 1)
            {
                throw new InvalidDataException($"{pathForErrors}: only 64-bit little-endian ELF is supported.");
            }

            long sectionTable = ReadInt64(elf, 0x28, pathForErrors);
            int sectionSize = ReadUInt16(elf, 0x3a, pathForErrors);
            int sectionCount = ReadUInt16(elf, 0x3c, pathForErrors);
            for (int i = 0; i < sectionCount; i++)
            {
                long header = sectionTable + (long)i * sectionSize;
                if (ReadUInt32(elf, header + 4, pathForErrors) != ShtGnuVerneed)
                {
                    continue;
                }

                long needs = ReadInt64(elf, header + 0x18, pathForErrors);
                int linkedStrings = (int)ReadUInt32(elf, header + 0x28, pathForErrors);
                long stringsHeader = sectionTable + (long)linkedStrings * sectionSize;
                long strings = ReadInt64(elf, stringsHeader + 0x18, pathForErrors);
                return FindInVerneed(elf, needs, strings, versionName, pathForErrors);
            }
            return -1;
        }

        private static int FindInVerneed(byte[] elf, long needs, long strings, string versionName, string path)
        {
            // Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
            // Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
            long need = needs;
            for (int guard = 0; guard < 4096; guard++)
            {
                int count = ReadUInt16(elf, need + 2, path);
                long aux = need + ReadUInt32(elf, need + 8, path);
                for (int j = 0; j < count; j++)
                {
                    long name = strings + ReadUInt32(elf, aux + 8, path);
                    if (ReadCString(elf, name, path) == versionName)
                    {
                        return checked((int)(aux + 4));
                    }
                    aux += ReadUInt32(elf, aux + 12, path);
                }

                uint next = ReadUInt32(elf, need + 12, path);
                if (next == 0)
                {
                    return -1;
                }
                need += next;
            }
            throw new InvalidDataException($"{path}: .gnu.version_r has a cycle.");
        }

        private static ushort ReadUInt16(byte[] elf, long offset, string path) =>
            BitConverter.ToUInt16(elf, CheckRange(elf, offset, 2, path));

        private static uint ReadUInt32(byte[] elf, long offset, string path) =>
            BitConverter.ToUInt32(elf, CheckRange(elf, offset, 4, path));

        private static long ReadInt64(byte[] elf, long offset, string path) =>
            BitConverter.ToInt64(elf, CheckRange(elf, offset, 8, path));

        private static string ReadCString(byte[] elf, long offset, string path)
        {
            int start = CheckRange(elf, offset, 1, path);
            int end = Array.IndexOf(elf, (byte)0, start);
            if (end < 0)
            {
                throw new InvalidDataException($"{path}: unterminated string at offset {offset}.");
            }
            return Encoding.ASCII.GetString(elf, start, end - start);
        }

        private static int CheckRange(byte[] elf, long offset, int length, string path)
        {
            if (offset < 0 || offset + length > elf.Length)
            {
                throw new InvalidDataException($"{path}: offset {offset} is outside the file ({elf.Length} bytes); the ELF is corrupt.");
            }
            return (int)offset;
        }
    }

#if !PEAKD_PATCHER_ONLY
    /// <summary>MSBuild task: marks GLIBCXX_3.4.32 weak in every given copy of libLibTorchSharp.so.</summary>
    public sealed class MarkGlibcxxWeak : Task
    {
        [Required]
        public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

        public override bool Execute()
        {
            foreach (ITaskItem library in Libraries)
            {
                string path = library.GetMetadata("FullPath");
                try
                {
                    WeakVersionOutcome outcome = ElfVersionNeedPatcher.MarkWeak(path, ElfVersionNeedPatcher.TorchSharpVersion);
                    MessageImportance importance = outcome == WeakVersionOutcome.Patched ? MessageImportance.Normal : MessageImportance.Low;
                    Log.LogMessage(importance, $"PeaKd native fix: {path}: {outcome}.");
                }
                catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"PeaKd native fix: could not mark {ElfVersionNeedPatcher.TorchSharpVersion} weak in {path}: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
