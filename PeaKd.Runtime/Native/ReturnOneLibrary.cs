using System.Text;

namespace PeaKd.Native;

/// <summary>
/// The bytes of a minimal x86-64 ELF shared object that exports one function, <c>int NAME(void)</c>, returning 1:
/// an ELF header, two loadable segments (headers, symbol tables and code read-only and executable; the dynamic
/// section writable, as the loader expects), the dynamic section and a non-executable stack marker. Written here
/// rather than compiled, so that PeaKd needs no C compiler and ships no native binary.
/// </summary>
internal static class ReturnOneLibrary
{
    private const int ElfHeaderSize = 64;
    private const int ProgramHeaderSize = 56;
    private const int ProgramHeaderCount = 4;
    private const int SymbolSize = 24;
    private const int DynamicEntrySize = 16;
    private const long PageSize = 0x1000;

    // mov eax, 1; ret
    private static readonly byte[] ReturnOne = [0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3];

    /// <summary>The shared object's bytes.</summary>
    /// <param name="function">The exported function's name.</param>
    /// <param name="soname">The library's DT_SONAME.</param>
    public static byte[] Build(string function, string soname)
    {
        byte[] strings = Encoding.ASCII.GetBytes($"\0{function}\0{soname}\0");
        const long hash = ElfHeaderSize + ProgramHeaderSize * ProgramHeaderCount;
        const long symbols = hash + 24; // nbucket, nchain, 1 bucket, 2 chains: 20 bytes, padded to 8
        const long strtab = symbols + 2 * SymbolSize;
        long code = Align(strtab + strings.Length, 16);
        long textEnd = code + ReturnOne.Length;
        const long dynamic = PageSize;
        if (textEnd > dynamic)
        {
            throw new ArgumentException($"the names ({function.Length} and {soname.Length} characters) do not fit the object's first page; shorten them.");
        }
        const int dynamicEntries = 7;

        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        WriteElfHeader(w);
        WriteProgramHeader(w, type: 1, flags: 5, offset: 0, size: textEnd, align: PageSize);                           // PT_LOAD r-x
        WriteProgramHeader(w, type: 1, flags: 6, offset: dynamic, size: dynamicEntries * DynamicEntrySize, align: PageSize); // PT_LOAD rw-
        WriteProgramHeader(w, type: 2, flags: 6, offset: dynamic, size: dynamicEntries * DynamicEntrySize, align: 8);     // PT_DYNAMIC
        WriteProgramHeader(w, type: 0x6474E551, flags: 6, offset: 0, size: 0, align: 16);                              // PT_GNU_STACK: no executable stack

        // DT_HASH: one bucket holding symbol 1, whose chain ends.
        foreach (uint word in new uint[] { 1, 2, 1, 0, 0, 0 }) w.Write(word);
        WriteSymbol(w, name: 0, info: 0, section: 0, value: 0, size: 0);
        WriteSymbol(w, name: 1, info: 0x12, section: 1, value: code, size: ReturnOne.Length); // STB_GLOBAL, STT_FUNC
        w.Write(strings);
        Pad(w, code);
        w.Write(ReturnOne);
        Pad(w, dynamic);

        long sonameOffset = 1 + function.Length + 1;
        (long Tag, long Value)[] entries =
        [
            (4, hash), (5, strtab), (6, symbols), (10, strings.Length), (11, SymbolSize), (14, sonameOffset), (0, 0), // DT_HASH, STRTAB, SYMTAB, STRSZ, SYMENT, SONAME, NULL
        ];
        foreach ((long tag, long value) in entries) { w.Write(tag); w.Write(value); }
        w.Flush();
        return stream.ToArray();
    }

    private static void WriteElfHeader(BinaryWriter w)
    {
        w.Write([0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // 64-bit, little-endian, version 1, System V
        w.Write((ushort)3);  // ET_DYN
        w.Write((ushort)62); // EM_X86_64
        w.Write(1u);         // EV_CURRENT
        w.Write(0L);         // no entry point
        w.Write((long)ElfHeaderSize); // program headers follow
        w.Write(0L);         // no section headers
        w.Write(0u);         // flags
        w.Write((ushort)ElfHeaderSize);
        w.Write((ushort)ProgramHeaderSize);
        w.Write((ushort)ProgramHeaderCount);
        w.Write((ushort)64); // section header size (none present)
        w.Write((ushort)0);
        w.Write((ushort)0);
    }

    // Virtual addresses equal file offsets: the object is mapped from address 0 of its load base.
    private static void WriteProgramHeader(BinaryWriter w, uint type, uint flags, long offset, long size, long align)
    {
        w.Write(type);
        w.Write(flags);
        w.Write(offset);
        w.Write(offset);
        w.Write(offset);
        w.Write(size);
        w.Write(size);
        w.Write(align);
    }

    private static void WriteSymbol(BinaryWriter w, uint name, byte info, ushort section, long value, long size)
    {
        w.Write(name);
        w.Write(info);
        w.Write((byte)0); // default visibility
        w.Write(section);
        w.Write(value);
        w.Write(size);
    }

    private static void Pad(BinaryWriter w, long to)
    {
        while (w.BaseStream.Position < to) w.Write((byte)0);
    }

    private static long Align(long value, long alignment) => (value + alignment - 1) / alignment * alignment;
}
