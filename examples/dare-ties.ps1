<#
.SYNOPSIS
    DARE-TIES by composition: random drop (density 0.5, seed 7), then sign consensus without a trim.
.EXAMPLE
    ./examples/dare-ties.ps1 -Base ./base -FineTuned ./ft1,./ft2 -Output ./merged
#>
param(
    [Parameter(Mandatory)] [string] $Base,
    [Parameter(Mandatory)] [string[]] $FineTuned,
    [Parameter(Mandatory)] [string] $Output,
    [double] $Density = 0.5,
    [ulong] $Seed = 7,
    [switch] $Force
)

if (-not (Get-Module ModelMerge)) { Import-Module ModelMerge -ErrorAction Stop }

Get-Checkpoint $Base |
    Get-TaskVector $FineTuned |
    Invoke-DareDrop -Density $Density -Seed $Seed |
    Invoke-TiesMerge -Density 1 |
    Export-Checkpoint $Output -Force:$Force -PassThru
