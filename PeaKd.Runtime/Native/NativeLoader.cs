using System.Runtime.InteropServices;

namespace PeaKd.Native;

/// <summary>glibc's dynamic loader, for what .NET's NativeLibrary cannot do: load into the global symbol scope
/// (RTLD_GLOBAL) and ask whether a library is loaded without loading it (RTLD_NOLOAD). The dl functions come from
/// libdl.so.2, which every glibc has (before 2.34 they are only there; since, it forwards to libc).</summary>
internal static class NativeLoader
{
    private const int Lazy = 0x1;    // RTLD_LAZY
    private const int Now = 0x2;     // RTLD_NOW
    private const int NoLoad = 0x4;  // RTLD_NOLOAD
    private const int Global = 0x100; // RTLD_GLOBAL
    private const uint MemfdCloseOnExec = 0x1; // MFD_CLOEXEC

    /// <summary>Loads the shared object in <paramref name="bytes"/> into the global scope, ahead of every library loaded
    /// later; null when loaded, else why not. The bytes go to an anonymous in-memory file, or, where that is refused, to
    /// a temporary file that is deleted once loaded.</summary>
    public static string? LoadGlobal(byte[] bytes, string name)
    {
        dlerror(); // clear an error left by an earlier call, so the one reported is this load's
        int fd = memfd_create(name, MemfdCloseOnExec);
        string path = fd >= 0 ? $"/proc/self/fd/{fd}" : Path.Combine(Path.GetTempPath(), $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}.so");
        try
        {
            File.WriteAllBytes(path, bytes);
            return dlopen(path, Now | Global) == IntPtr.Zero ? $"the loader refused it: {LastError()}" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"it could not be written to {path}: {e.Message}";
        }
        finally
        {
            if (fd >= 0) close(fd); // the mapping outlives the descriptor
            else TryDelete(path);
        }
    }

    /// <summary>Whether a library of this name (its file name or soname) is loaded in this process.</summary>
    public static bool IsLoaded(string soname)
    {
        IntPtr handle = dlopen(soname, Lazy | NoLoad);
        if (handle == IntPtr.Zero) return false;
        dlclose(handle);
        return true;
    }

    /// <summary>Calls <c>int FUNCTION(void)</c> of a loaded library; null when the library is not loaded or does not
    /// export it.</summary>
    public static int? CallIntFunction(string soname, string function)
    {
        IntPtr handle = dlopen(soname, Lazy | NoLoad);
        if (handle == IntPtr.Zero) return null;
        try
        {
            IntPtr address = dlsym(handle, function);
            return address == IntPtr.Zero ? null : Marshal.GetDelegateForFunctionPointer<IntFunction>(address)();
        }
        finally
        {
            dlclose(handle);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a temporary file left behind harms nothing; the load's outcome is what the caller needs
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int IntFunction();

    private static string LastError() => Marshal.PtrToStringUTF8(dlerror()) ?? "no reason given";

    [DllImport("libc", CharSet = CharSet.Ansi)] // UTF-8 on Linux
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int memfd_create(string name, uint flags);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int close(int fd);

    [DllImport("libdl.so.2", CharSet = CharSet.Ansi)] // UTF-8 on Linux
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern IntPtr dlopen(string path, int flags);

    [DllImport("libdl.so.2", CharSet = CharSet.Ansi)] // UTF-8 on Linux
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern IntPtr dlsym(IntPtr handle, string symbol);

    [DllImport("libdl.so.2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int dlclose(IntPtr handle);

    [DllImport("libdl.so.2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern IntPtr dlerror();
}
