using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using PeaKd.Native;

namespace PeaKd.Tests.Infrastructure;

/// <summary>Tests call TorchSharp directly, sometimes before any PeaKd type; touching PeaKd first lets its module
/// initializer answer MKL's vendor check before libtorch loads, as it does in an application that starts with PeaKd.
/// Tests/Native/MklFastPathTests checks the result.</summary>
internal static class MklFastPathFirst
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "Must run before any test loads libtorch.")]
    internal static void Touch() => _ = MklFastPath.State;
}
