using TorchSharp;

namespace PeaKd.Modeling;

internal static class ModuleRegistration
{
    /// <summary>Registers <paramref name="child"/> under its Hugging Face name and returns it, so a typed
    /// property and the state-dict name are set in one line.</summary>
    public static T Register<T>(this torch.nn.Module parent, string name, T child) where T : torch.nn.Module
    {
        parent.register_module(name, child);
        return child;
    }
}
