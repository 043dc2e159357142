def test_guide_runs__both_modes(api):
    company = api.create_company("Platypus Properties", platformType="mqjo")
    assert company["dataConnections"][0]["status"] == "PendingAuth"
