import { describeLowerFindings } from "./lower-findings-assertions";

describeLowerFindings("prod");
