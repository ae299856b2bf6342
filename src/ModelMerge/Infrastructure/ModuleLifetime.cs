using System.Management.Automation;
using ModelMerge.Plans.Devices;

namespace ModelMerge.Commands.Infrastructure;

/// <summary>Releases the session's GPU when the module is removed, so a CUDA context does not outlive the module that opened it.</summary>
public sealed class ModuleLifetime : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo) => DeviceSession.Release();
}
